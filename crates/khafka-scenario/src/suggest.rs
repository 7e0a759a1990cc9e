//! "Did you mean …?" suggestions.
//!
//! A misspelled word is compared with every word that would have been valid at that place, using the
//! optimal-string-alignment distance (Levenshtein plus transposition of two adjacent characters, so
//! `tpoic` is one edit away from `topic`). The closest candidate wins if it is close enough: one edit
//! for words of up to three characters, otherwise `max(2, len / 3)` edits. Comparison ignores ASCII
//! case, so `Topic` suggests `topic`.

/// Returns the candidate closest to `word`, if one is close enough to be a plausible typo.
///
/// Ties go to the candidate listed first. A candidate equal to `word` is returned as is (distance 0).
///
/// ```
/// use khafka_scenario::suggest;
/// assert_eq!(suggest("tpoic", &["seed", "topic", "producer"]), Some("topic"));
/// assert_eq!(suggest("min.insync.replica", &["acks", "min.insync.replicas"]), Some("min.insync.replicas"));
/// assert_eq!(suggest("zzz", &["topic"]), None);
/// ```
pub fn suggest<'a, I, S>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    let word_chars: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    if word_chars.is_empty() {
        return None;
    }
    let threshold = if word_chars.len() <= 3 {
        1
    } else {
        (word_chars.len() / 3).max(2)
    };
    let mut best: Option<(usize, &'a str)> = None;
    // A config name's leading words (`group` for `group.id`): the shortest name they start.
    let mut dotted: Option<&'a str> = None;
    for candidate in candidates {
        let candidate = candidate.as_ref();
        if candidate.len() > word.len()
            && candidate.is_char_boundary(word.len())
            && candidate[..word.len()].eq_ignore_ascii_case(word)
            && candidate[word.len()..].starts_with('.')
            && dotted.is_none_or(|d| candidate.len() < d.len())
        {
            dotted = Some(candidate);
        }
        let cand_chars: Vec<char> = candidate.chars().map(|c| c.to_ascii_lowercase()).collect();
        // Cheap bound: the distance is at least the difference in length.
        if cand_chars.len().abs_diff(word_chars.len()) > threshold {
            continue;
        }
        let d = distance(&word_chars, &cand_chars);
        if d <= threshold && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c).or(dotted)
}

/// Optimal string alignment distance between two character sequences.
pub(crate) fn distance(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    // Three rolling rows: i-2, i-1, i.
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        distance(&a, &b)
    }

    #[test]
    fn distances() {
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("tpoic", "topic"), 1);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("acks", "ack"), 1);
    }

    #[test]
    fn suggestions() {
        let statements = crate::STATEMENTS;
        assert_eq!(suggest("tpoic", statements), Some("topic"));
        assert_eq!(suggest("Topic", statements), Some("topic"));
        assert_eq!(suggest("prodcuer", statements), Some("producer"));
        assert_eq!(suggest("rn", statements), Some("run"));
        assert_eq!(suggest("xyzzy", statements), None);
        assert_eq!(suggest("", statements), None);
        let owned = vec!["orders".to_string(), "payments".to_string()];
        assert_eq!(suggest("order", &owned), Some("orders"));
        // A config name's first word: the shortest name it starts.
        let keys = ["group.instance.id", "group.id", "groups"];
        assert_eq!(suggest("group", &keys), Some("groups"));
        assert_eq!(suggest("group", &keys[..2]), Some("group.id"));
    }
}
