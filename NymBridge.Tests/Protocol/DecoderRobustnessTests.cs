using System.Buffers.Binary;
using System.Text;
using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

/// <summary>
/// Property tests over seeded random input: decoders never throw anything but
/// <see cref="NymProtocolException"/> (and TryDecode nothing at all), every failure carries a kind of
/// the right direction, and every successful decode re-encodes to exactly the bytes it came from.
/// </summary>
public class DecoderRobustnessTests
{
    private static readonly ErrorKind[] RequestKinds =
        [ErrorKind.EmptyRequest, ErrorKind.TooShortRequest, ErrorKind.UnknownRequest, ErrorKind.MalformedRequest];

    private static readonly ErrorKind[] ResponseKinds =
        [ErrorKind.EmptyResponse, ErrorKind.TooShortResponse, ErrorKind.UnknownResponse, ErrorKind.MalformedResponse];

    [Fact]
    public void Binary_decoders_never_throw_and_successes_re_encode_identically()
    {
        // Two halves with seeds of their own: reproducible, and both cores busy.
        var halves = new Checker[2];
        Parallel.For(0, 2, half => halves[half] = CheckBinaryFrames(new Random(1977 + half), truncateCorpus: half == 0));

        foreach (var half in halves)
        {
            half.AssertClean();
        }

        var frames = halves.Sum(h => h.Frames);
        Assert.True(frames >= 100_000, $"only {frames} frames");
        // The generators must reach the success paths too, or re-encoding is never checked.
        Assert.All(halves, h => Assert.True(h.RequestsDecoded > 1_000, $"only {h.RequestsDecoded} requests decoded"));
        Assert.All(halves, h => Assert.True(h.ResponsesDecoded > 1_000, $"only {h.ResponsesDecoded} responses decoded"));
        Assert.Equal(Enum.GetValues<RequestTag>().Length, halves.SelectMany(h => h.RequestTags).Distinct().Count());
        Assert.Equal(Enum.GetValues<ResponseTag>().Length, halves.SelectMany(h => h.ResponseTags).Distinct().Count());
    }

    private static Checker CheckBinaryFrames(Random rng, bool truncateCorpus)
    {
        var corpus = Corpus(rng);
        var cheap = corpus.Where(s => !s.HasRecipient).ToArray();
        var withRecipient = corpus.Where(s => s.HasRecipient).ToArray();
        var withLength = cheap.Where(s => s.LengthAt is not null).ToArray();
        var withRecipientAndLength = withRecipient.Where(s => s.LengthAt is not null).ToArray();
        var check = new Checker();

        // A recipient costs two Ed25519 checks per decode (BigInteger, ~0.3 ms each), so frames that
        // reach one are a small share: Send/SendAnonymous/SelfAddress samples are picked rarely, and
        // Received and Error samples stay under 117 bytes, where their tags 0x00/0x01 read as a request
        // would be a Send/SendAnonymous long enough to carry one.
        for (var i = 0; i < 22_500; i++)
        {
            check.Binary(RandomFrame(rng));
        }

        if (truncateCorpus)
        {
            foreach (var sample in corpus)
            {
                var frame = sample.Frame;
                var positions = frame.Length <= 300
                    ? Enumerable.Range(0, frame.Length)
                    : Enumerable.Range(0, 200).Concat(Enumerable.Range(0, 50).Select(_ => rng.Next(frame.Length)));
                foreach (var length in positions)
                {
                    check.Binary(frame[..length]);
                }
            }
        }

        for (var i = 0; i < 22_500; i++)
        {
            var sample = rng.NextDouble() < 0.015 ? withRecipient[rng.Next(withRecipient.Length)] : cheap[rng.Next(cheap.Length)];
            check.Binary(Mutate(rng, sample.Frame));
        }

        for (var i = 0; i < 5_000; i++)
        {
            var sample = rng.NextDouble() < 0.02
                ? withRecipientAndLength[rng.Next(withRecipientAndLength.Length)]
                : withLength[rng.Next(withLength.Length)];
            check.Binary(WithDeclaredLength(rng, sample));
        }

        return check;
    }

    [Fact]
    public void Self_address_request_ignores_whatever_follows_the_tag()
    {
        // nym's deserialize_self_address never looks past the tag; the re-encoded frame is just the tag.
        var rng = new Random(3);
        for (var i = 0; i < 1_000; i++)
        {
            var frame = TestData.Concat([0x03], TestData.RandomBytes(rng, rng.Next(0, 40)));

            Assert.True(RequestCodec.TryDecode(frame, out var request, out _));
            Assert.Same(SelfAddressRequest.Instance, request);
            Assert.Equal([0x03], RequestCodec.Encode(request));
        }
    }

    [Fact]
    public void Text_decoders_never_throw_and_successes_are_stable()
    {
        var rng = new Random(1978);
        var valid = ValidTexts(rng);
        var cheap = valid.Where(t => !t.HasRecipient).Select(t => t.Text).ToArray();
        var withRecipient = valid.Where(t => t.HasRecipient).Select(t => t.Text).ToArray();
        var check = new Checker();

        for (var i = 0; i < 10_000; i++)
        {
            check.Text(RandomString(rng));
        }

        for (var i = 0; i < 10_000; i++)
        {
            check.Text(TokenSoup(rng));
        }

        for (var i = 0; i < 20_000; i++)
        {
            var text = rng.NextDouble() < 0.04 ? withRecipient[rng.Next(withRecipient.Length)] : cheap[rng.Next(cheap.Length)];
            check.Text(MutateText(rng, text));
        }

        foreach (var (text, _) in valid)
        {
            check.Text(text);
        }

        check.AssertClean();
        Assert.True(check.RequestsDecoded > 500, $"only {check.RequestsDecoded} text requests decoded");
        Assert.True(check.ResponsesDecoded > 500, $"only {check.ResponsesDecoded} text responses decoded");
    }

    private sealed record Sample(byte[] Frame, int? LengthAt, bool HasRecipient);

    private static List<Sample> Corpus(Random rng)
    {
        byte[] Payload(int max) => TestData.RandomBytes(rng, rng.Next(0, max));
        ulong? Connection() => rng.Next(3) == 0 ? null : (ulong)rng.NextInt64();
        SenderTag RandomTag() => SenderTag.FromBytes(TestData.RandomBytes(rng, 16));

        var samples = new List<Sample>();
        void Request(ClientRequest request)
        {
            var hasLength = request is SendRequest or SendAnonymousRequest or ReplyRequest;
            samples.Add(new(
                RequestCodec.Encode(request),
                hasLength ? RequestCodec.GetHeaderLength(request) - 8 : null,
                request is SendRequest or SendAnonymousRequest));
        }

        void Response(ServerResponse response)
        {
            var hasLength = response is ErrorResponse or ReceivedResponse;
            samples.Add(new(
                ResponseCodec.Encode(response),
                hasLength ? ResponseCodec.GetHeaderLength(response) - 8 : null,
                response is SelfAddressResponse));
        }

        Request(new SendRequest(TestData.Spec, TestData.Utf8("foomp"), 42));
        Request(new SendRequest(TestData.Mock, Payload(40), Connection()));
        Request(new SendAnonymousRequest(TestData.Spec, TestData.Utf8("foomp"), 666, 42));
        Request(new SendAnonymousRequest(TestData.Mock, Payload(40), (uint)rng.Next(), Connection()));
        Response(new SelfAddressResponse(TestData.Spec));
        Response(new SelfAddressResponse(TestData.Mock));

        Request(SelfAddressRequest.Instance);
        Request(new ReplyRequest(TestData.Tag8, TestData.Utf8("foomp"), 42));
        Request(new ReplyRequest(RandomTag(), Array.Empty<byte>()));
        Request(new ReplyRequest(RandomTag(), Payload(2000), Connection()));
        Response(new ReceivedResponse(Array.Empty<byte>()));
        Response(new ReceivedResponse(Array.Empty<byte>(), RandomTag()));
        Response(new ErrorResponse(ErrorKind.Other, ""));
        foreach (var kind in Enum.GetValues<ErrorKind>())
        {
            Response(new ErrorResponse(kind, rng.Next(2) == 0 ? "foomp message" : TestData.MultiByteText));
        }

        for (var i = 0; i < 6; i++)
        {
            Request(new ReplyRequest(RandomTag(), Payload(60), Connection()));
            Request(new ClosedConnectionRequest((ulong)rng.NextInt64()));
            Request(new GetLaneQueueLengthRequest((ulong)rng.NextInt64()));
            Response(new ReceivedResponse(Payload(90), rng.Next(2) == 0 ? null : RandomTag()));
            Response(new LaneQueueLengthResponse((ulong)rng.NextInt64(), (ulong)rng.NextInt64()));
        }

        return samples;
    }

    private static byte[] RandomFrame(Random rng)
    {
        var length = rng.Next(100) switch
        {
            < 75 => rng.Next(0, 40),
            < 95 => rng.Next(40, 113),
            _ => rng.Next(113, 300), // long enough for a recipient, whose check is costly

        };
        var frame = TestData.RandomBytes(rng, length);
        if (length > 0 && rng.Next(2) == 0)
        {
            frame[0] = (byte)rng.Next(0, 6);
        }

        if (length > 1 && frame[0] == 0x01 && rng.Next(2) == 0)
        {
            frame[1] = (byte)rng.Next(0, 2); // a plausible sender tag flag
        }

        return frame;
    }

    private static byte[] Mutate(Random rng, byte[] frame)
    {
        var bytes = new List<byte>(frame);
        for (var n = rng.Next(1, 5); n > 0; n--)
        {
            var at = rng.Next(bytes.Count + 1);
            switch (rng.Next(6))
            {
                case < 3 when at < bytes.Count:
                    bytes[at] = (byte)rng.Next(256);
                    break;
                case 3 when at < bytes.Count:
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 4:
                    bytes.Insert(at, (byte)rng.Next(256));
                    break;
                case 5 when at < bytes.Count:
                    bytes.RemoveAt(at);
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] WithDeclaredLength(Random rng, Sample sample)
    {
        var frame = sample.Frame.ToArray();
        var at = sample.LengthAt!.Value;
        var actual = (ulong)(frame.Length - at - 8);
        var declared = rng.Next(8) switch
        {
            0 => 1UL << 63,
            1 => ulong.MaxValue,
            2 => (ulong)rng.NextInt64() | (1UL << rng.Next(32, 64)),
            3 => (1UL << 32) + actual,
            4 => (1UL << 31) + actual,
            5 => actual + 1,
            6 => actual - 1, // wraps to 2^64 − 1 for an empty payload
            _ => (ulong)int.MaxValue + 1,
        };
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(at), declared);
        return frame;
    }

    private static List<(string Text, bool HasRecipient)> ValidTexts(Random rng)
    {
        var texts = new List<(string, bool)>
        {
            (TextCodec.EncodeRequest(new SendRequest(TestData.Spec, TestData.Utf8("foomp"), 42)), true),
            (TextCodec.EncodeRequest(new SendAnonymousRequest(TestData.Mock, TestData.Utf8(TestData.MultiByteText), 20)), true),
            (TextCodec.EncodeResponse(new SelfAddressResponse(TestData.Spec)), true),
            (TextCodec.EncodeRequest(new ReplyRequest(TestData.Tag8, TestData.Utf8("foomp"), 42)), false),
            (TextCodec.EncodeRequest(new ReplyRequest(TestData.Tag42, TestData.Utf8("\"quoted\"\n\\"))), false),
            (TextCodec.EncodeRequest(SelfAddressRequest.Instance), false),
            ("""{"type":"selfAddress","extra":[1,2,{"a":null}]}""", false),
            (TextCodec.EncodeResponse(new ReceivedResponse(TestData.Utf8(TestData.MultiByteText), TestData.Tag8)), false),
            (TextCodec.EncodeResponse(new ReceivedResponse(TestData.RandomBytes(rng, 30))), false),
            (TextCodec.EncodeResponse(new LaneQueueLengthResponse(1, 0)), false),
            (TextCodec.EncodeResponse(new LaneQueueLengthResponse(ulong.MaxValue, 12345)), false),
        };
        foreach (var kind in Enum.GetValues<ErrorKind>())
        {
            texts.Add((TextCodec.EncodeResponse(new ErrorResponse(kind, "foomp: message")), false));
        }

        return texts;
    }

    private static string RandomString(Random rng)
    {
        const string common = "{}[]\":,\\ 0123456789.-+eEtrufalsn\n\t";
        var text = new StringBuilder();
        for (var n = rng.Next(0, 80); n > 0; n--)
        {
            text.Append(rng.Next(3) switch
            {
                0 => common[rng.Next(common.Length)],
                1 => (char)rng.Next(0x20, 0x7F),
                _ => (char)rng.Next(0, 0x10000), // lone surrogates included
            });
        }

        return text.ToString();
    }

    private static string TokenSoup(Random rng)
    {
        string[] tokens =
        [
            "{", "}", "[", "]", ":", ",", "\"type\"", "\"send\"", "\"sendAnonymous\"", "\"reply\"", "\"selfAddress\"",
            "\"received\"", "\"laneQueueLength\"", "\"error\"", "\"message\"", "\"recipient\"", "\"senderTag\"",
            "\"replySurbs\"", "\"connectionId\"", "\"lane\"", "\"queue_length\"", "\"address\"", "null", "true", "0", "-1",
            "1.5", "18446744073709551615", "18446744073709551616", "4294967296", "\"\\ud800\"", "\"" + TestData.Tag8Text + "\"",
            "\"malformed request:x\"", "\"\"", "\"héllo 🌍\"",
        ];
        var text = new StringBuilder();
        for (var n = rng.Next(0, 14); n > 0; n--)
        {
            text.Append(tokens[rng.Next(tokens.Length)]);
        }

        return text.ToString();
    }

    private const string JsonCharacters = "{}[]\":,\\0-9.eu";

    private static string MutateText(Random rng, string text)
    {
        var chars = new StringBuilder(text);
        for (var n = rng.Next(1, 4); n > 0; n--)
        {
            var at = rng.Next(chars.Length + 1);
            switch (rng.Next(4))
            {
                case 0 when at < chars.Length:
                    chars[at] = (char)rng.Next(0x20, 0x7F);
                    break;
                case 1 when at < chars.Length:
                    chars.Remove(at, 1);
                    break;
                case 2:
                    chars.Insert(at, JsonCharacters[rng.Next(JsonCharacters.Length)]);
                    break;
                case 3 when at < chars.Length:
                    chars[at] = (char)rng.Next(0, 0x10000);
                    break;
            }
        }

        return chars.ToString();
    }

    /// <summary>Collects violations instead of failing on the first, so one run shows their variety.</summary>
    private sealed class Checker
    {
        private readonly List<string> _failures = [];
        private int _failureCount;

        public int Frames { get; private set; }
        public int RequestsDecoded { get; private set; }
        public int ResponsesDecoded { get; private set; }
        public HashSet<RequestTag> RequestTags { get; } = [];
        public HashSet<ResponseTag> ResponseTags { get; } = [];

        public void Binary(byte[] frame)
        {
            Frames++;
            CheckRequest(frame);
            CheckResponse(frame);
        }

        public void Text(string text)
        {
            CheckTextRequest(text);
            CheckTextResponse(text);
        }

        public void AssertClean() =>
            Assert.True(_failureCount == 0, $"{_failureCount} violations, first ones:\n{string.Join('\n', _failures)}");

        private void CheckRequest(byte[] frame)
        {
            if (!Try(() => RequestCodec.TryDecode(frame, out var r, out var e) ? (r, e) : (null, e), frame, "RequestCodec.TryDecode", out var result))
            {
                return;
            }

            var (request, error) = result;
            CheckDecodeAgrees(() => RequestCodec.Decode(frame), request is not null, error, frame, "RequestCodec.Decode");
            if (request is null)
            {
                Expect(RequestKinds.Contains(error.Kind) && error.Message.Length > 0, frame, $"request error {error.Kind} '{error.Message}'");
                return;
            }

            RequestsDecoded++;
            RequestTags.Add(request.Tag);
            if (request is SelfAddressRequest)
            {
                Expect(frame[0] == 0x03, frame, "SelfAddress from another tag");
            }
            else if (Try(() => RequestCodec.Encode(request), frame, "RequestCodec.Encode", out var encoded))
            {
                Expect(encoded.AsSpan().SequenceEqual(frame), frame, $"{request.Tag} re-encodes to {Convert.ToHexString(encoded)}");
            }
        }

        private void CheckResponse(byte[] frame)
        {
            if (!Try(() => ResponseCodec.TryDecode(frame, out var r, out var e) ? (r, e) : (null, e), frame, "ResponseCodec.TryDecode", out var result))
            {
                return;
            }

            var (response, error) = result;
            CheckDecodeAgrees(() => ResponseCodec.Decode(frame), response is not null, error, frame, "ResponseCodec.Decode");
            if (response is null)
            {
                Expect(ResponseKinds.Contains(error.Kind) && error.Message.Length > 0, frame, $"response error {error.Kind} '{error.Message}'");
                return;
            }

            ResponsesDecoded++;
            ResponseTags.Add(response.Tag);
            if (Try(() => ResponseCodec.Encode(response), frame, "ResponseCodec.Encode", out var encoded))
            {
                Expect(encoded.AsSpan().SequenceEqual(frame), frame, $"{response.Tag} re-encodes to {Convert.ToHexString(encoded)}");
            }
        }

        private void CheckTextRequest(string text)
        {
            if (!Try(() => TextCodec.TryDecodeRequest(text, out var r, out var e) ? (r, e) : (null, e), text, "TextCodec.TryDecodeRequest", out var result))
            {
                return;
            }

            var (request, error) = result;
            if (request is null)
            {
                Expect(error.Kind == ErrorKind.MalformedRequest && error.Message.Length > 0, text, $"text request error {error.Kind} '{error.Message}'");
                return;
            }

            RequestsDecoded++;
            if (Try(() => TextCodec.EncodeRequest(request), text, "TextCodec.EncodeRequest", out var encoded)
                && Try(() => TextCodec.TryDecodeRequest(encoded, out var again, out _) ? TextCodec.EncodeRequest(again) : null, encoded, "re-decoding", out var reEncoded))
            {
                Expect(encoded == reEncoded, text, $"text request is not stable: {encoded} then {reEncoded}");
            }
        }

        private void CheckTextResponse(string text)
        {
            if (!Try(() => TextCodec.TryDecodeResponse(text, out var r, out var e) ? (r, e) : (null, e), text, "TextCodec.TryDecodeResponse", out var result))
            {
                return;
            }

            var (response, error) = result;
            if (response is null)
            {
                Expect(error.Kind == ErrorKind.MalformedResponse && error.Message.Length > 0, text, $"text response error {error.Kind} '{error.Message}'");
                return;
            }

            ResponsesDecoded++;
            if (Try(() => TextCodec.EncodeResponse(response), text, "TextCodec.EncodeResponse", out var encoded)
                && Try(() => TextCodec.TryDecodeResponse(encoded, out var again, out _) ? TextCodec.EncodeResponse(again) : null, encoded, "re-decoding", out var reEncoded))
            {
                Expect(encoded == reEncoded, text, $"text response is not stable: {encoded} then {reEncoded}");
            }
        }

        private void CheckDecodeAgrees<T>(Func<T> decode, bool expectSuccess, ProtocolError expectedError, byte[] frame, string what)
        {
            try
            {
                decode();
                Expect(expectSuccess, frame, $"{what} succeeded where TryDecode failed");
            }
            catch (NymProtocolException e)
            {
                Expect(!expectSuccess && e.Error == expectedError, frame, $"{what} threw {e.Error} where TryDecode gave {expectedError}");
            }
            catch (Exception e)
            {
                Fail(frame, $"{what} threw {e.GetType().Name}: {e.Message}");
            }
        }

        private bool Try<T>(Func<T> action, object input, string what, out T result)
        {
            try
            {
                result = action();
                return true;
            }
            catch (Exception e)
            {
                Fail(input, $"{what} threw {e.GetType().Name}: {e.Message}");
                result = default!;
                return false;
            }
        }

        private void Expect(bool condition, object input, string message)
        {
            if (!condition)
            {
                Fail(input, message);
            }
        }

        private void Fail(object input, string message)
        {
            if (++_failureCount <= 20)
            {
                var shown = input is byte[] bytes ? Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 200))) : input.ToString();
                _failures.Add($"{message} <- {shown}");
            }
        }
    }
}
