using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A stateful detector written as code, for what rules cannot express. The engine calls
/// <see cref="Observe"/> only for events whose first <c>event.category</c> is in
/// <see cref="Categories"/>, always from one thread. State kept across events must be bounded
/// (see <see cref="BoundedEntityMap{TKey,TValue}"/>).
/// </summary>
public interface IAnalytic
{
    /// <summary>Stable id, e.g. <c>atalaya.analytic.masquerade</c>; becomes rule.id.</summary>
    string Id { get; }

    string Name { get; }

    IReadOnlyCollection<string> Categories { get; }

    void Observe(EcsEvent value, ISignalSink signals);
}

/// <summary>Receives the signals an analytic emits.</summary>
public interface ISignalSink
{
    void Emit(Signal signal);
}
