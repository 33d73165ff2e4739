namespace NymBridge.Api.Sending;

/// <summary>
/// Every problem of one send, by field, so a single 400 lists them all (YARP's ConfigValidator style): a caller
/// fixes the request once, not once per error. Fields keep the order they were first named in.
/// </summary>
public sealed class SendErrors
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}
