using NymBridge.Protocol;
namespace NymBridge.Tests.Protocol;
public class SmokeTests
{
    [Fact]
    public void SpecAddressParses()
    {
        const string text = "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";
        Assert.True(NymAddress.TryParse(text, out var a, out var e), e);
        Assert.Equal(text, a.ToString());
        byte[] mock = [67, 5, 132, 146, 3, 236, 116, 89, 254, 57, 131, 159, 69, 181, 55, 208, 12, 108, 136,
            83, 58, 76, 171, 195, 31, 98, 92, 64, 68, 53, 156, 184, 100, 189, 73, 3, 238, 103, 156,
            108, 124, 199, 42, 79, 172, 98, 81, 177, 182, 100, 167, 164, 74, 183, 199, 213, 162,
            173, 102, 112, 30, 159, 148, 66, 44, 75, 230, 182, 138, 114, 170, 163, 209, 82, 204,
            100, 118, 91, 57, 150, 212, 147, 151, 135, 148, 16, 213, 223, 182, 164, 242, 37, 40,
            73, 137, 228];
        Assert.True(NymAddress.TryFromBytes(mock, out _, out e), e);
        var invalid = 0;
        var rng = new Random(1);
        var buf = new byte[32];
        for (var i = 0; i < 1000; i++) { rng.NextBytes(buf); if (!Ed25519Point.IsValid(buf)) invalid++; }
        Assert.InRange(invalid, 350, 650);
    }
}
