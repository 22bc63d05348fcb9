//! `memcmp` and `bcmp` for the wasm build, eight bytes at a time.
//!
//! Rust's own, for targets without a C library, compares one byte per loop
//! turn. The compiler compares strings all the time (unique ids in ordered
//! maps, names, paths), and many share long prefixes such as
//! `model.<project>.stg_<domain>__`: in a profile of a 5,000-model compile
//! in wasm, byte-wise `memcmp` was 8% of the time. In the wasm build these
//! definitions take the place of those weak ones at link time; elsewhere the
//! C library's are kept, and only [`compare`] is built, for its tests (the
//! module is not built at all outside wasm and tests).
//!
//! Nothing here may compare slices or strings, which would call `memcmp`.

/// The sign of the first difference of `n` bytes at `a` and `b`, as C's
/// `memcmp`.
///
/// # Safety
/// `a` and `b` must be readable for `n` bytes.
pub unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_le(core::ptr::read_unaligned(a.add(i) as *const u64));
        let y = u64::from_le(core::ptr::read_unaligned(b.add(i) as *const u64));
        if x != y {
            // The lowest differing byte comes first in memory.
            let at = ((x ^ y).trailing_zeros() / 8) as usize;
            return *a.add(i + at) as i32 - *b.add(i + at) as i32;
        }
        i += 8;
    }
    while i < n {
        let (x, y) = (*a.add(i), *b.add(i));
        if x != y {
            return x as i32 - y as i32;
        }
        i += 1;
    }
    0
}

/// C's `memcmp`.
///
/// # Safety
/// `a` and `b` must be readable for `n` bytes.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    compare(a, b, n)
}

/// C's `bcmp`: whether `n` bytes at `a` and `b` differ (nonzero) or not.
///
/// # Safety
/// `a` and `b` must be readable for `n` bytes.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    compare(a, b, n)
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering;

    /// Agrees with slice ordering on every length around the word size and
    /// every position of a first difference, in both directions.
    #[test]
    fn orders_as_slices_do() {
        for n in 0..40usize {
            let base: Vec<u8> = (0..n).map(|i| (i * 37 % 251) as u8).collect();
            let sign =
                |a: &[u8], b: &[u8]| unsafe { compare(a.as_ptr(), b.as_ptr(), a.len()) }.cmp(&0);
            assert_eq!(sign(&base, &base), Ordering::Equal, "n={n}");
            for at in 0..n {
                for delta in [1u8, 0x80, 0xff] {
                    let mut other = base.clone();
                    other[at] = other[at].wrapping_add(delta);
                    // Later bytes differ too, the other way, and must not count.
                    for later in other.iter_mut().skip(at + 1) {
                        *later = later.wrapping_sub(1);
                    }
                    assert_eq!(
                        sign(&base, &other),
                        base.cmp(&other),
                        "n={n} at={at} delta={delta}"
                    );
                    assert_eq!(
                        sign(&other, &base),
                        other.cmp(&base),
                        "n={n} at={at} delta={delta}"
                    );
                }
            }
        }
    }
}
