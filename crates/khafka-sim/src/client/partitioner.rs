//! Kafka's default partitioner for keyed records, reproduced bit-for-bit.
//!
//! # The formula
//!
//! A record that has a key goes to partition
//!
//! ```text
//! partition = toPositive(murmur2(keyBytes)) % numPartitions
//! ```
//!
//! which is `BuiltInPartitioner.partitionForKey` in the Java client (and,
//! before KIP-794, the keyed branch of `DefaultPartitioner`). The parts are:
//!
//! * [`murmur2`]: `org.apache.kafka.common.utils.Utils.murmur2`, a `MurmurHash2`
//!   variant with seed `0x9747b28c`. It hashes the *serialized* key bytes, so
//!   two clients agree on a partition only if they serialize the key the same
//!   way. Java computes it with 32-bit `int` arithmetic that wraps on overflow
//!   and with `>>>` (unsigned shift); here that is `u32` with `wrapping_mul`
//!   and `>>`, and the result is reinterpreted as a Java `int` (`i32`).
//! * [`to_positive`]: `Utils.toPositive`, which is `n & 0x7fffffff`.
//! * `% numPartitions`: a plain remainder of a non-negative number.
//!
//! # Why `toPositive` is not `Math.abs`
//!
//! `toPositive` clears the sign bit; it does not negate. The two differ for
//! every negative hash: `toPositive(-1)` is `2147483647` while `abs(-1)` is
//! `1`, and in general `toPositive(n) == n + 2^31` for negative `n`. So a port
//! that uses `abs` sends about half of all keys to a different partition than
//! the Java client does. It would also break on `i32::MIN`, whose absolute
//! value does not fit in an `i32` (Java's `Math.abs` returns `i32::MIN`
//! itself, which is negative, and `%` can then yield a negative partition);
//! `toPositive(i32::MIN)` is simply `0`. The mask makes the result always in
//! `0..=i32::MAX`, so the remainder is always a valid partition index.
//!
//! # `numPartitions` counts every partition
//!
//! `numPartitions` is the topic's total partition count from the cluster
//! metadata (`cluster.partitionsForTopic(topic).size()`), *including*
//! partitions that currently have no leader. A keyed record is never
//! re-routed to an available partition: if its partition is leaderless the
//! send waits (and may time out) instead. This is what makes key-to-partition
//! placement stable across broker failures; it only changes when the
//! partition count of the topic changes.
//!
//! # Records without a key
//!
//! Records with a `null` key do not go through this function. Since Kafka
//! 3.3 (KIP-794) they use the built-in *sticky* partitioner, which keeps
//! filling a batch for one partition (preferring partitions whose leaders are
//! less loaded, and skipping leaderless ones) and switches partition once
//! about `batch.size` bytes were produced to it. That logic depends on
//! producer state and lives elsewhere in the simulator; this module only
//! covers the pure, stateless keyed case. Note that an *empty* key (zero
//! bytes) is not a `null` key: it is hashed like any other key.

/// Kafka's `Utils.murmur2`: 32-bit `MurmurHash2` with seed `0x9747b28c`,
/// returned as a Java `int`.
///
/// Bit-for-bit identical to the Java client, including for non-ASCII bytes
/// (Java masks each byte with `& 0xff`, i.e. bytes are unsigned here too).
#[must_use]
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java: `int h = seed ^ length;`. A Java array length always fits in an
    // `int`; truncating to 32 bits matches Java's int arithmetic for any
    // length a Java client could produce.
    #[allow(clippy::cast_possible_truncation)]
    let length = data.len() as u32;
    let mut h: u32 = SEED ^ length;

    // Body: 4-byte little-endian blocks.
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }

    // Tail: Java's `switch (length % 4)` with fall-through from case 3 to 2
    // to 1, and `h *= m` only at the end of case 1 (so not for 0 tail bytes).
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }

    // Final avalanche.
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;

    // Reinterpret the 32 bits as a Java `int` (two's complement).
    i32::from_ne_bytes(h.to_ne_bytes())
}

/// Kafka's `Utils.toPositive`: clears the sign bit (`n & 0x7fffffff`).
///
/// This is *not* an absolute value: `to_positive(-1) == 2147483647` and
/// `to_positive(i32::MIN) == 0`. See the module documentation.
#[must_use]
pub const fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// Kafka's `BuiltInPartitioner.partitionForKey`: the partition of a record
/// whose serialized key is `key`, for a topic with `num_partitions`
/// partitions in total (leaderless partitions included).
///
/// # Panics
///
/// Panics if `num_partitions` is zero (Java throws `ArithmeticException`
/// for the same division by zero).
#[must_use]
pub fn partition_for_key(key: &[u8], num_partitions: u32) -> u32 {
    // `to_positive` never returns a negative value, so this conversion is
    // lossless and the `u32` remainder equals Java's `int` remainder.
    let positive = to_positive(murmur2(key)).unsigned_abs();
    positive % num_partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case of `UtilsTest.testMurmur2` in apache/kafka
    /// (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java),
    /// verbatim: key bytes and the Java `int` that `Utils.murmur2` returns.
    const KAFKA_MURMUR2_VECTORS: [(&[u8], i32); 6] = [
        (b"21", -973_932_308),
        (b"foobar", -790_332_482),
        (b"a-little-bit-long-string", -985_981_536),
        (b"a-little-bit-longer-string", -1_486_304_829),
        (
            b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
            -58_897_971,
        ),
        // Kafka writes this one as `new byte[] {'a', 'b', 'c'}`: same bytes.
        (b"abc", 479_470_107),
    ];

    #[test]
    fn murmur2_matches_kafka_utils_test() {
        for (key, expected) in KAFKA_MURMUR2_VECTORS {
            assert_eq!(
                murmur2(key),
                expected,
                "murmur2({:?})",
                String::from_utf8_lossy(key)
            );
        }
    }

    #[test]
    fn kafka_vectors_cover_tail_lengths_0_2_3() {
        // Lengths 2, 6, 24, 26, 48, 3: tails of 2, 2, 0, 2, 0, 3 bytes. The
        // 1-byte tail is not covered by Kafka's vectors; see the next test.
        let mut tails: Vec<usize> = KAFKA_MURMUR2_VECTORS
            .iter()
            .map(|(key, _)| key.len() % 4)
            .collect();
        tails.sort_unstable();
        tails.dedup();
        assert_eq!(tails, [0, 2, 3]);
    }

    #[test]
    fn murmur2_one_byte_tail_and_other_inputs() {
        // NOT Kafka's own vectors. The 9-byte keys (1-byte tail) are values
        // from a public Go test that checks its murmur2 against franz-go's
        // Kafka-compatible key partitioner; all of these values were also
        // recomputed with an independent Python transcription of
        // `Utils.murmur2`, which reproduces every Kafka vector above.
        assert_eq!(murmur2(b"order-100"), -955_961_047);
        assert_eq!(murmur2(b"order-101"), 1_112_104_930);
        assert_eq!(murmur2(b"user-1002"), 494_644_997);
        // Empty key (no blocks, no tail): only `seed ^ 0` and the avalanche.
        assert_eq!(murmur2(b""), 275_646_681);
        // Bytes >= 0x80 are unsigned, as with Java's `& 0xff`.
        assert_eq!(murmur2(&[0xff]), -311_467_685);
        assert_eq!(murmur2(&[0x7f]), 21_296_028);
    }

    #[test]
    fn to_positive_masks_the_sign_bit() {
        assert_eq!(to_positive(-1), 2_147_483_647);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(i32::MAX), i32::MAX);
        assert_eq!(to_positive(0), 0);
        assert_eq!(to_positive(10), 10);
        // Not abs: for negative n, to_positive(n) == n + 2^31.
        assert_eq!(to_positive(-10), 2_147_483_638);
    }

    #[test]
    fn partition_for_key_from_kafka_vectors() {
        // Derived by hand from the murmur2 vectors above:
        //   p = to_positive(h) = h + 2^31 for negative h (2^31 = 2147483648),
        //   then partition = p % n.
        //
        // "21":  h = -973932308  -> p = 1173551340
        //        digit sum 30 -> p % 3 == 0; ends in 40 -> p % 10 == 0;
        //        7 * 167650191 = 1173551337 -> p % 7 == 3.
        assert_eq!(partition_for_key(b"21", 3), 0);
        assert_eq!(partition_for_key(b"21", 7), 3);
        assert_eq!(partition_for_key(b"21", 10), 0);
        // "foobar": h = -790332482 -> p = 1357151166
        //        ends in 66 -> p % 4 == 2, p % 10 == 6.
        assert_eq!(partition_for_key(b"foobar", 4), 2);
        assert_eq!(partition_for_key(b"foobar", 10), 6);
        // "abc": h = 479470107 is already non-negative -> p = 479470107
        //        ends in 07 -> p % 4 == 3, p % 10 == 7.
        assert_eq!(partition_for_key(b"abc", 4), 3);
        assert_eq!(partition_for_key(b"abc", 10), 7);
        // "a-little-bit-longer-string": h = -1486304829 -> p = 661178819
        //        p % 10 == 9; digit sum 47 -> p % 3 == 2.
        assert_eq!(partition_for_key(b"a-little-bit-longer-string", 10), 9);
        assert_eq!(partition_for_key(b"a-little-bit-longer-string", 3), 2);
        // "lkjh...h8": h = -58897971 -> p = 2088585677, p % 10 == 7.
        assert_eq!(
            partition_for_key(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 10),
            7
        );
        // With abs instead of to_positive, "21" would give 973932308 % 10 == 8,
        // not 0: the difference is observable.
        assert_ne!(973_932_308 % 10, partition_for_key(b"21", 10));
    }

    #[test]
    fn partition_for_key_is_in_range() {
        for (key, _) in KAFKA_MURMUR2_VECTORS {
            assert_eq!(partition_for_key(key, 1), 0);
            for n in 1..=64 {
                assert!(partition_for_key(key, n) < n);
            }
        }
    }

    #[test]
    #[should_panic(expected = "divisor of zero")]
    fn partition_for_key_zero_partitions_panics() {
        let _ = partition_for_key(b"21", 0);
    }
}
