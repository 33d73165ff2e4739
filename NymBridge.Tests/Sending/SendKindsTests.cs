using System.Text.Json;
using NymBridge.Api.Realtime;
using NymBridge.Api.Sending;

namespace NymBridge.Tests.Sending;

/// <summary>The table of send kinds and the types that give each kind its schema and hub method say the same.</summary>
public class SendKindsTests
{
    public static TheoryData<string> Kinds => new(SendKinds.All.Select(k => k.Name));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_JSON_body_has_exactly_the_fields_of_the_table(string name)
    {
        var kind = SendKinds.All.Single(k => k.Name == name);

        var properties = kind.JsonBody.GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));

        Assert.Equal(kind.JsonNames.Order(), properties.Order());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_hub_sends_the_kind_under_its_name_with_its_body(string name)
    {
        var kind = SendKinds.All.Single(k => k.Name == name);

        var method = typeof(MessagesHub).GetMethod(kind.Name);

        Assert.NotNull(method);
        Assert.Equal([kind.JsonBody], method.GetParameters().Select(p => p.ParameterType));
        Assert.IsType(kind.JsonBody, kind.Example);
    }

    [Fact]
    public void Routes_and_kinds_are_each_used_once()
    {
        Assert.Equal(Enum.GetValues<SendKind>(), SendKinds.All.Select(k => k.Kind));
        Assert.Equal(SendKinds.All.Count, SendKinds.All.Select(k => k.Route).Distinct().Count());
    }
}
