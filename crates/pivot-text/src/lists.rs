//! How a list says what it shows: counts with thousands separators, the range of a
//! page ("101–200 of 2,000") and a filtered count ("39 of 10,001"). Pure.

use crate::values::thousands;

/// The rows a page shows out of `total`: `101–200 of 2,000`; `0 of 0` for an empty list.
/// `start` is the offset of the page's first row, `shown` how many it has.
pub fn range_of(start: u64, shown: u64, total: i64) -> String {
    if shown == 0 {
        return format!("0 of {}", thousands(total));
    }
    format!("{}–{} of {}", thousands(start as i64 + 1), thousands((start + shown) as i64), thousands(total))
}

/// The list's count in its header: `10,001`, or with a filter `39 of 10,001`
/// (`of` only when the whole list's total is known).
pub fn count_of(count: i64, whole: Option<i64>, filtered: bool) -> String {
    match whole {
        Some(w) if filtered => format!("{} of {}", thousands(count), thousands(w)),
        _ => thousands(count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_counts() {
        assert_eq!(range_of(100, 100, 2000), "101–200 of 2,000");
        assert_eq!(range_of(0, 100, 10_001), "1–100 of 10,001");
        assert_eq!(range_of(10_000, 1, 10_001), "10,001–10,001 of 10,001");
        assert_eq!(range_of(0, 0, 0), "0 of 0");
        assert_eq!(count_of(39, Some(10_001), true), "39 of 10,001");
        assert_eq!(count_of(10_001, Some(10_001), false), "10,001");
        assert_eq!(count_of(39, None, true), "39");
    }
}
