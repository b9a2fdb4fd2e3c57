//! Big fresh buffers (a file's text, the rows read from it) on transparent huge pages where the
//! kernel gives them only on request (`madvise` mode, the default of many distributions).
//!
//! A fresh 4 KB page costs a page fault on its first write: the year's 45 MB of text and 42 MB
//! of bars were 22 000 faults, about a third of `liqmap info`'s time on a virtual machine. With
//! 2 MB pages they are 45 faults, and freeing the memory at the end is as much cheaper.

/// Buffers from this size are advised: below it the allocator serves them from its own heap,
/// which gains little.
const MIN_BYTES: usize = 4 << 20;

/// The huge page size on x86-64 and on arm64 with 4 KB pages. Advising the 2 MB-aligned middle
/// of a buffer also aligns it to any smaller page, so the call is valid whatever the page size.
const HUGE_PAGE_BYTES: usize = 2 << 20;

/// An empty vector with room for `capacity` values, its memory advised to take huge pages.
pub(super) fn vec_with_capacity<T>(capacity: usize) -> Vec<T> {
    let mut values = Vec::with_capacity(capacity);
    advise(&mut values);
    values
}

/// `len` zero bytes, their memory advised to take huge pages. The allocator hands out a big
/// zeroed buffer as fresh, untouched memory, so the advice comes before the pages exist.
pub(super) fn zeroed_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    advise(&mut bytes);
    bytes
}

/// Advises the whole 2 MB-aligned pages of `values`' allocation to be huge. Only a hint: the
/// kernel may decline (huge pages off, none free), and the buffer works the same either way.
#[cfg(target_os = "linux")]
fn advise<T>(values: &mut Vec<T>) {
    let bytes = values.capacity().saturating_mul(size_of::<T>());
    if bytes < MIN_BYTES {
        return;
    }
    let start = values.as_mut_ptr() as usize;
    let first = start.next_multiple_of(HUGE_PAGE_BYTES);
    let end = (start + bytes) / HUGE_PAGE_BYTES * HUGE_PAGE_BYTES;
    if end <= first {
        return;
    }
    // SAFETY: `MADV_HUGEPAGE` only marks the range as eligible for huge pages: it never changes
    // or frees the memory, so no Rust value is affected. The range lies inside the allocation
    // `values` owns (whole pages of it), and the result is ignored because a refusal (a kernel
    // without huge pages says EINVAL) leaves ordinary pages, which work the same.
    unsafe {
        libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise<T>(_values: &mut Vec<T>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advised_buffers_hold_what_is_written() {
        let len = 3 * HUGE_PAGE_BYTES + 12_345;
        let mut bytes = zeroed_bytes(len);
        assert_eq!(bytes.len(), len);
        assert!(bytes.iter().all(|&b| b == 0));
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        assert!(bytes.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
        let mut values: Vec<u64> = vec_with_capacity(MIN_BYTES);
        values.extend(0..MIN_BYTES as u64);
        assert_eq!(
            values.iter().sum::<u64>(),
            (MIN_BYTES as u64 - 1) * MIN_BYTES as u64 / 2
        );
    }
}
