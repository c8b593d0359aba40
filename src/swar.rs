//! Eight ASCII bytes at a time, as bit masks in a `u64` (SWAR). The word
//! count and the lexicon scan read every byte of both documents; a byte
//! loop with a branch per byte was a tenth of diffing a 1 MB pair.

/// 0x01 in every byte.
pub(crate) const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGH: u64 = ONES << 7;

/// High bit of each byte set where `lo <= byte <= hi`; every byte of `x`
/// must be below 0x80, so that no sum carries into the next byte.
#[inline]
fn within(x: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = x + ONES * u64::from(0x80 - lo);
    let above_hi = x + ONES * u64::from(0x7F - hi);
    at_least_lo & !above_hi & HIGH
}

/// Bit 0 of each byte set where `lo <= byte <= hi` (`hi` below 0x80); bytes
/// from 0x80 up never match.
#[inline]
pub(crate) fn between(x: u64, lo: u8, hi: u8) -> u64 {
    (within(x & !HIGH, lo, hi) >> 7) & !(x >> 7) & ONES
}

/// Bit 0 of each byte set where the byte is not ASCII.
#[inline]
pub(crate) fn non_ascii(x: u64) -> u64 {
    (x >> 7) & ONES
}

/// Bit 0 of each byte set where the byte is an ASCII letter or digit; every
/// byte of `x` must be ASCII.
#[inline]
pub(crate) fn word_mask(x: u64) -> u64 {
    (within(x | (ONES * 0x20), b'a', b'z') | within(x, b'0', b'9')) >> 7
}

/// How many bytes at the start of `bytes` are ASCII letters or digits.
#[inline]
pub(crate) fn alnum_run(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0;
    for c in &mut chunks {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(c);
        let x = u64::from_le_bytes(eight);
        // Non-ASCII bytes are masked to ASCII for the arithmetic, then out.
        let words = word_mask(x & !HIGH) & !(x >> 7);
        let stops = !words & ONES;
        if stops != 0 {
            return n + stops.trailing_zeros() as usize / 8;
        }
        n += 8;
    }
    n + chunks
        .remainder()
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The run is what a byte-by-byte count gives, whatever the bytes.
        #[test]
        fn alnum_run_counts_like_a_byte_loop(bytes in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(b"aZz09 _-/:@[`{\x7f\x80\xc3\xa9\xff".to_vec()),
                proptest::num::u8::ANY,
            ],
            0..40,
        )) {
            let expected = bytes.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            proptest::prop_assert_eq!(alnum_run(&bytes), expected);
        }

        /// `between` marks exactly the bytes in its range.
        #[test]
        fn between_marks_the_range(eight in proptest::array::uniform8(proptest::num::u8::ANY), lo in 0u8..0x80, hi in 0u8..0x80) {
            let mask = between(u64::from_le_bytes(eight), lo, hi);
            for (i, b) in eight.iter().enumerate() {
                proptest::prop_assert_eq!((mask >> (8 * i)) & 0xFF == 1, (lo..=hi).contains(b));
            }
        }

        /// The mask marks exactly the ASCII letters and digits.
        #[test]
        fn word_mask_marks_letters_and_digits(eight in proptest::array::uniform8(0u8..0x80)) {
            let mask = word_mask(u64::from_le_bytes(eight));
            for (i, b) in eight.iter().enumerate() {
                proptest::prop_assert_eq!((mask >> (8 * i)) & 0xFF == 1, b.is_ascii_alphanumeric());
            }
            proptest::prop_assert_eq!(mask & !ONES, 0);
        }
    }
}
