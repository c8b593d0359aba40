//! Longest increasing subsequence by patience sorting, O(n log n).
//!
//! Alignment uses it to tell which matched sections kept their relative
//! order: those on the subsequence stayed put, the others moved.

/// Positions (into `values`) of one longest strictly increasing subsequence.
pub fn longest_increasing(values: &[usize]) -> Vec<usize> {
    // tails[k] = position of the smallest tail of an increasing run of length k+1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; values.len()];
    for (pos, &v) in values.iter().enumerate() {
        let k = tails.partition_point(|&t| values[t] < v);
        if k > 0 {
            prev[pos] = Some(tails[k - 1]);
        }
        if k == tails.len() {
            tails.push(pos);
        } else {
            tails[k] = pos;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut cur = tails.last().copied();
    while let Some(p) = cur {
        out.push(p);
        cur = prev[p];
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lis_values(v: &[usize]) -> Vec<usize> {
        longest_increasing(v).into_iter().map(|p| v[p]).collect()
    }

    #[test]
    fn sorted_input_is_its_own_lis() {
        assert_eq!(lis_values(&[0, 1, 2, 3]), vec![0, 1, 2, 3]);
    }

    #[test]
    fn one_moved_element_is_left_out() {
        // Section 0 moved to the end.
        assert_eq!(lis_values(&[1, 2, 3, 0]), vec![1, 2, 3]);
        // Section 3 moved to the front.
        assert_eq!(lis_values(&[3, 0, 1, 2]), vec![0, 1, 2]);
    }

    #[test]
    fn empty_and_reversed() {
        assert!(longest_increasing(&[]).is_empty());
        assert_eq!(longest_increasing(&[3, 2, 1]).len(), 1);
    }

    #[test]
    fn result_is_increasing_and_maximal() {
        let v = [5, 1, 6, 2, 7, 3, 8, 4, 9];
        let l = lis_values(&v);
        assert_eq!(l.len(), 5);
        assert!(l.windows(2).all(|w| w[0] < w[1]));
    }
}
