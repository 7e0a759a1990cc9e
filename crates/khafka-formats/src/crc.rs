//! CRC-32C (Castagnoli), which checks a Kafka record batch, and CRC-32 (IEEE), which ends a gzip
//! member. Both reflected, table-driven, computed at compile time.

const fn table(poly: u32) -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ poly } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CASTAGNOLI: [u32; 256] = table(0x82F6_3B78);
static IEEE: [u32; 256] = table(0xEDB8_8320);

fn run(t: &[u32; 256], data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = t[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// CRC-32C, as `org.apache.kafka.common.utils.Crc32C`.
pub fn crc32c(data: &[u8]) -> u32 {
    run(&CASTAGNOLI, data)
}

/// CRC-32 (IEEE 802.3), as `java.util.zip.CRC32` and the gzip trailer.
pub fn crc32(data: &[u8]) -> u32 {
    run(&IEEE, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard check values ("123456789"), e.g. RFC 3720 appendix B.4 for CRC-32C.
    #[test]
    fn check_values() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    /// RFC 3720 (iSCSI) B.4: 32 bytes of zeros → 0x8A9136AA; 32 bytes of 0xFF → 0x62A8AB43.
    #[test]
    fn rfc3720_vectors() {
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
        let inc: Vec<u8> = (0u8..32).collect();
        assert_eq!(crc32c(&inc), 0x46DD_794E);
    }
}
