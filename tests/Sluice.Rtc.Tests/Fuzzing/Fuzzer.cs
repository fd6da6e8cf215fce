using System.Buffers.Binary;
using System.Diagnostics;

namespace Sluice.Rtc.Tests.Fuzzing;

/// <summary>Runs the code under test on one input. Returns true when the parser accepted the input. Any exception counts as a finding.</summary>
internal delegate bool FuzzBody(ReadOnlySpan<byte> input);

/// <summary>Repairs a mutated input so it gets past an integrity check (a checksum) and reaches the parser behind it.</summary>
internal delegate void FuzzFixup(Span<byte> input);

/// <summary>A field of a seed that the mutator knows about.</summary>
/// <param name="Offset">Where the field starts in the seed.</param>
/// <param name="Size">1, 2 or 4 bytes, big-endian.</param>
/// <param name="Values">
/// For a type or flag field, the values worth trying. Null for a length or count, which is corrupted with values
/// just around its true value, with zero and tiny values, and with values reaching or passing the end of the input.
/// </param>
internal readonly record struct FuzzField(int Offset, int Size, uint[]? Values = null);

/// <summary>
/// A valid input and its structure: the fields to corrupt, and the byte ranges that can stand alone (an SCTP chunk)
/// and may be spliced between seeds behind the bytes before the first of them (the common header).
/// </summary>
internal sealed record FuzzSeed(byte[] Bytes, FuzzField[] Fields, (int Start, int Length)[] Units);

/// <summary>
/// One thing to fuzz: its valid seeds, an optional repair applied to most mutated inputs, and the body. To add a
/// target, write one method that returns a <see cref="FuzzTarget"/> and list it where its group lists its targets.
/// </summary>
internal sealed record FuzzTarget(string Name, IReadOnlyList<FuzzSeed> Seeds, FuzzBody Body, FuzzFixup? Fixup = null);

internal sealed record FuzzFailure(byte[] Input, Exception Exception);

internal sealed record FuzzResult(string Target, long Inputs, long Accepted, TimeSpan Elapsed, long Exceptions, IReadOnlyList<FuzzFailure> Failures)
{
    public double InputsPerSecond => Inputs / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>The kept failures, each as its input in hex and the exception: enough to turn one into a test.</summary>
    public string Describe() => string.Join(Environment.NewLine + Environment.NewLine,
        Failures.Select(f => $"input {Convert.ToHexString(f.Input)}{Environment.NewLine}{f.Exception}"));
}

/// <summary>
/// A small mutation fuzzer for span parsers, in the manner of AFL's havoc stage: each input is a random buffer, or
/// a seed (or two seeds spliced) with one to four mutations stacked: bit flips, byte replacements, truncation, a
/// corrupted length, count or type field, inserted and deleted bytes. It is deterministic for a given seed, so a
/// failure seen once can be seen again. Tests run it briefly; <c>bench/Sluice.Bench fuzz-sctp</c> runs it long.
/// </summary>
internal static class Fuzzer
{
    /// <summary>No input grows beyond this: a datagram's worth of bytes and then some.</summary>
    public const int MaxLength = 2048;

    private const int KeptFailures = 8;

    public static FuzzResult Run(FuzzTarget target, long inputs, int seed)
    {
        var mutator = new Mutator(target.Seeds, new Random(seed));
        long accepted = 0;
        long exceptions = 0;
        var failures = new List<FuzzFailure>();
        var started = Stopwatch.GetTimestamp();
        for (long i = 0; i < inputs; i++)
        {
            var input = mutator.Next();
            // Now and then leave the input unrepaired, so the integrity check's refusal is fuzzed as well.
            if (target.Fixup is { } fixup && !mutator.OneIn(16))
            {
                fixup(input);
            }

            try
            {
                if (target.Body(input))
                {
                    accepted++;
                }
            }
            catch (Exception e)
            {
                exceptions++;
                if (failures.Count < KeptFailures)
                {
                    failures.Add(new FuzzFailure(input.ToArray(), e));
                }
            }
        }

        return new FuzzResult(target.Name, inputs, accepted, Stopwatch.GetElapsedTime(started), exceptions, failures);
    }

    /// <summary>Thrown by a body when the parser accepted an input but its view of it breaks a rule it promises.</summary>
    public static void Check(bool condition, string rule)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"fuzz invariant broken: {rule}");
        }
    }

    private sealed class Mutator(IReadOnlyList<FuzzSeed> seeds, Random random)
    {
        private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x02, 0x03, 0x04, 0x7F, 0x80, 0x81, 0x82, 0x83, 0xC0, 0xC1, 0xE2, 0xF0, 0xFE, 0xFF];
        private static readonly ushort[] InterestingShorts = [0, 1, 3, 4, 5, 8, 12, 16, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF];

        private readonly byte[] _buffer = new byte[MaxLength];
        private readonly byte[] _scratch = new byte[MaxLength];
        private readonly List<FuzzField> _fields = [];
        private int _length;

        public bool OneIn(int n) => random.Next(n) == 0;

        public Span<byte> Next()
        {
            _fields.Clear();
            var start = random.Next(32);
            if (start == 0 || seeds.Count == 0)
            {
                RandomBytes();
            }
            else if (start < 8)
            {
                Splice(seeds[random.Next(seeds.Count)], seeds[random.Next(seeds.Count)]);
            }
            else
            {
                CopySeed(seeds[random.Next(seeds.Count)]);
            }

            var mutations = 1 + random.Next(4);
            for (var i = 0; i < mutations; i++)
            {
                Mutate();
            }

            return _buffer.AsSpan(0, _length);
        }

        private void RandomBytes()
        {
            _length = OneIn(2) ? random.Next(64) : random.Next(MaxLength);
            random.NextBytes(_buffer.AsSpan(0, _length));
        }

        private void CopySeed(FuzzSeed seed)
        {
            _length = Math.Min(seed.Bytes.Length, MaxLength);
            seed.Bytes.AsSpan(0, _length).CopyTo(_buffer);
            AddFields(seed, 0, _length, 0);
        }

        /// <summary>
        /// Seeds with units: the first seed's prefix, then one to four units drawn from any seed (chunk splicing).
        /// Seeds without: the head of one and the tail of the other.
        /// </summary>
        private void Splice(FuzzSeed first, FuzzSeed second)
        {
            _length = 0;
            if (first.Units.Length > 0)
            {
                var prefix = first.Units[0].Start;
                CopyRange(first, 0, prefix);
                var units = 1 + random.Next(4);
                for (var i = 0; i < units; i++)
                {
                    var from = seeds[random.Next(seeds.Count)];
                    if (from.Units.Length > 0)
                    {
                        var (unitStart, unitLength) = from.Units[random.Next(from.Units.Length)];
                        CopyRange(from, unitStart, unitLength);
                    }
                }

                return;
            }

            CopyRange(first, 0, random.Next(first.Bytes.Length + 1));
            var tail = random.Next(second.Bytes.Length + 1);
            CopyRange(second, tail, second.Bytes.Length - tail);
        }

        /// <summary>Appends <paramref name="length"/> bytes of <paramref name="seed"/> at <paramref name="start"/>, with its fields there.</summary>
        private void CopyRange(FuzzSeed seed, int start, int length)
        {
            length = Math.Min(length, MaxLength - _length);
            seed.Bytes.AsSpan(start, length).CopyTo(_buffer.AsSpan(_length));
            AddFields(seed, start, length, _length - start);
            _length += length;
        }

        private void AddFields(FuzzSeed seed, int start, int length, int shift)
        {
            foreach (var field in seed.Fields)
            {
                if (field.Offset >= start && field.Offset + field.Size <= start + length)
                {
                    _fields.Add(field with { Offset = field.Offset + shift });
                }
            }
        }

        private void Mutate()
        {
            switch (random.Next(10))
            {
                case 0:
                    FlipBit();
                    break;
                case 1:
                    ReplaceByte();
                    break;
                case 2:
                    Truncate();
                    break;
                case 3 or 4 or 5:
                    CorruptField();
                    break;
                case 6:
                    Insert();
                    break;
                case 7:
                    Delete();
                    break;
                case 8:
                    OverwriteShort();
                    break;
                default:
                    FlipBit();
                    ReplaceByte();
                    break;
            }
        }

        private void FlipBit()
        {
            if (_length > 0)
            {
                _buffer[random.Next(_length)] ^= (byte)(1 << random.Next(8));
            }
        }

        private void ReplaceByte()
        {
            if (_length > 0)
            {
                _buffer[random.Next(_length)] = OneIn(2) ? InterestingBytes[random.Next(InterestingBytes.Length)] : (byte)random.Next(256);
            }
        }

        /// <summary>Mostly a few bytes off the end (padding, the last field), sometimes anywhere.</summary>
        private void Truncate()
        {
            if (_length > 0)
            {
                _length = OneIn(2) ? Math.Max(0, _length - 1 - random.Next(4)) : random.Next(_length);
            }
        }

        private void Insert()
        {
            var count = 1 + random.Next(OneIn(4) ? 64 : 4);
            count = Math.Min(count, MaxLength - _length);
            var at = random.Next(_length + 1);
            _buffer.AsSpan(at, _length - at).CopyTo(_scratch);
            var inserted = _buffer.AsSpan(at, count);
            if (OneIn(2))
            {
                random.NextBytes(inserted);
            }
            else
            {
                inserted.Fill(InterestingBytes[random.Next(InterestingBytes.Length)]);
            }

            _scratch.AsSpan(0, _length - at).CopyTo(_buffer.AsSpan(at + count));
            _length += count;
        }

        private void Delete()
        {
            if (_length == 0)
            {
                return;
            }

            var at = random.Next(_length);
            var count = Math.Min(1 + random.Next(OneIn(4) ? 64 : 4), _length - at);
            _buffer.AsSpan(at + count, _length - at - count).CopyTo(_buffer.AsSpan(at));
            _length -= count;
        }

        private void OverwriteShort()
        {
            if (_length >= 2)
            {
                var at = random.Next(_length - 1);
                BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(at), InterestingShorts[random.Next(InterestingShorts.Length)]);
            }
        }

        /// <summary>
        /// A type gets one of its listed values (now and then any value); a length or count gets a value near the truth,
        /// a tiny one, or one that reaches or passes the end of the input. Fields left behind by a structural mutation
        /// may point at other bytes now; that is one more mutation, not a mistake.
        /// </summary>
        private void CorruptField()
        {
            if (_fields.Count == 0)
            {
                OverwriteShort();
                return;
            }

            var field = _fields[random.Next(_fields.Count)];
            if (field.Offset + field.Size > _length)
            {
                FlipBit();
                return;
            }

            var at = _buffer.AsSpan(field.Offset, field.Size);
            var max = field.Size == 4 ? uint.MaxValue : (1u << (8 * field.Size)) - 1;
            var current = field.Size switch
            {
                1 => at[0],
                2 => BinaryPrimitives.ReadUInt16BigEndian(at),
                _ => BinaryPrimitives.ReadUInt32BigEndian(at),
            };
            uint value;
            if (field.Values is { Length: > 0 } values && !OneIn(8))
            {
                value = values[random.Next(values.Length)];
            }
            else
            {
                var toEnd = (uint)(_length - field.Offset);
                value = random.Next(12) switch
                {
                    0 => 0,
                    1 => (uint)random.Next(1, 4),
                    2 => current - 1,
                    3 => current + 1,
                    4 => current - 4,
                    5 => current + 4,
                    6 => current + 3,
                    7 => toEnd,
                    8 => toEnd + 2,
                    9 => toEnd + 3,
                    10 => max,
                    _ => (uint)random.NextInt64(max + 1L),
                };
            }

            value &= max;
            switch (field.Size)
            {
                case 1:
                    at[0] = (byte)value;
                    break;
                case 2:
                    BinaryPrimitives.WriteUInt16BigEndian(at, (ushort)value);
                    break;
                default:
                    BinaryPrimitives.WriteUInt32BigEndian(at, value);
                    break;
            }
        }
    }
}
