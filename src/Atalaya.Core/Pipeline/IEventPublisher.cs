using Atalaya.Core.Schema;

namespace Atalaya.Core.Pipeline;

/// <summary>Where a collector hands its events. Never blocks: a full queue drops and counts.</summary>
public interface IEventPublisher
{
    void Publish(EcsEvent value);
}
