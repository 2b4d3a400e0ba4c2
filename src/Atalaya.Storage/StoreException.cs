namespace Atalaya.Storage;

/// <summary>
/// A store operation failed. <see cref="Kind"/> tells the caller what to do: <see cref="StoreErrorKind.Busy"/>
/// and <see cref="StoreErrorKind.Locked"/> are worth a retry (<see cref="IsTransient"/>), the others are
/// reported. A failed <c>Append</c> wrote nothing: the batch was rolled back as a whole.
/// </summary>
public sealed class StoreException : Exception
{
    public StoreException()
        : this(StoreErrorKind.Other, "the event store failed", null)
    {
    }

    public StoreException(string message)
        : this(StoreErrorKind.Other, message, null)
    {
    }

    public StoreException(string message, Exception? innerException)
        : this(StoreErrorKind.Other, message, innerException)
    {
    }

    public StoreException(StoreErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public StoreErrorKind Kind { get; }

    /// <summary>True when the same call may succeed later without anyone fixing anything.</summary>
    public bool IsTransient => Kind is StoreErrorKind.Busy or StoreErrorKind.Locked;
}
