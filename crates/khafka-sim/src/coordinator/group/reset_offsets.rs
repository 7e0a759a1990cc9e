//! `kafka-consumer-groups --reset-offsets` (`ConsumerGroupCommand.resetOffsets`,
//! tools/.../consumer/group/ConsumerGroupCommand.java, Kafka trunk 1eb7644349cb), as a pure plan:
//! the tool refuses a group that is not inactive ("Assignments can only be reset if the group
//! 'g' is inactive, but the current state is Stable."), then computes each partition's new offset
//! (`prepareOffsetsToReset`) and clamps requested offsets into the log's range
//! (`checkOffsetsRange`: above the end → the end, below the start → the start). The engine
//! gathers what the tool's admin calls would return and, unless it is a dry run, commits the plan
//! through the group's coordinator as `alterConsumerGroupOffsets` does (an OffsetCommit with no
//! member and no generation, which the coordinator accepts only into an Empty group).

use crate::spec::ResetTo;

/// What the tool learns of one partition (`listOffsets` earliest and latest, the group's
/// committed offset, and for `--to-datetime` the first offset at or after the time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionOffsets {
    pub start: u64,
    /// `ListOffsets(latest)` under read_uncommitted: the high watermark.
    pub end: u64,
    pub committed: Option<u64>,
    /// The first offset whose timestamp is at or after the `--to-datetime` time (`None`: no record
    /// that recent, "Falling back to latest known offset").
    pub at_time: Option<u64>,
}

/// The tool's refusal for a group in `state` (`ClassicGroupState` name, or `Dead` when the group
/// does not exist); `None` when it may reset.
pub fn refusal(group: &str, state: &str) -> Option<String> {
    match state {
        "Empty" | "Dead" => None,
        _ => Some(format!(
            "Error: Assignments can only be reset if the group '{group}' is inactive, but the \
             current state is {state}."
        )),
    }
}

/// The new offset of one partition, or the tool's error.
pub fn plan(part_name: &str, to: ResetTo, o: PartitionOffsets) -> Result<u64, String> {
    let clamp = |offset: u64| offset.min(o.end).max(o.start);
    Ok(match to {
        ResetTo::Earliest => o.start,
        ResetTo::Latest => o.end,
        ResetTo::Current => o.committed.unwrap_or(o.end),
        ResetTo::Offset(n) => clamp(n),
        ResetTo::ShiftBy(n) => {
            let Some(c) = o.committed else {
                return Err(format!(
                    "Error: Cannot shift offset for partition {part_name} since there is no \
                     current committed offset"
                ));
            };
            clamp(c.saturating_add_signed(n))
        }
        ResetTo::Datetime(_) => o.at_time.unwrap_or(o.end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const O: PartitionOffsets = PartitionOffsets {
        start: 10,
        end: 100,
        committed: Some(40),
        at_time: Some(55),
    };

    #[test]
    fn each_scenario_as_the_tool_computes_it() {
        assert_eq!(plan("t-0", ResetTo::Earliest, O), Ok(10));
        assert_eq!(plan("t-0", ResetTo::Latest, O), Ok(100));
        assert_eq!(plan("t-0", ResetTo::Current, O), Ok(40));
        assert_eq!(
            plan("t-0", ResetTo::Offset(7), O),
            Ok(10),
            "clamped to the start"
        );
        assert_eq!(
            plan("t-0", ResetTo::Offset(700), O),
            Ok(100),
            "clamped to the end"
        );
        assert_eq!(plan("t-0", ResetTo::ShiftBy(-35), O), Ok(10));
        assert_eq!(plan("t-0", ResetTo::ShiftBy(5), O), Ok(45));
        assert_eq!(plan("t-0", ResetTo::Datetime(0), O), Ok(55));
        let none = PartitionOffsets {
            committed: None,
            at_time: None,
            ..O
        };
        assert_eq!(plan("t-0", ResetTo::Current, none), Ok(100));
        assert_eq!(plan("t-0", ResetTo::Datetime(0), none), Ok(100));
        assert!(plan("t-0", ResetTo::ShiftBy(1), none)
            .unwrap_err()
            .contains("no current committed offset"));
    }

    #[test]
    fn only_an_inactive_group_is_reset() {
        assert_eq!(refusal("g", "Empty"), None);
        assert_eq!(refusal("g", "Dead"), None);
        assert_eq!(
            refusal("g", "Stable").as_deref(),
            Some(
                "Error: Assignments can only be reset if the group 'g' is inactive, but the \
                 current state is Stable."
            )
        );
    }
}
