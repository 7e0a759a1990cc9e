//! The trace export's last line: what an independent reader of the events cannot know without
//! rerunning the controller's election — which replica's log the verdicts read at the end of the
//! run ([`Sim::verdict_source`]). Everything else a verdict needs is in the events
//! (`docs/trace.md`, "A complete account").

use crate::msg::PartIdx;
use crate::sim::Sim;
use crate::spec::BrokerId;
use crate::time::SimTime;
use serde::Serialize;
use std::sync::Arc;

/// `{"type": "end", "time": …, "verdict_sources": [{"partition": …, "broker": …}, …]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceEnd {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub time: SimTime,
    pub verdict_sources: Vec<VerdictSource>,
}

/// The replica whose log the verdicts read for one partition (`None`: no leader to be).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerdictSource {
    pub partition: Arc<str>,
    pub broker: Option<BrokerId>,
}

impl Sim {
    /// The export's closing line, at the current instant.
    pub fn trace_end(&self) -> TraceEnd {
        TraceEnd {
            kind: "end",
            time: self.now(),
            verdict_sources: (0..self.topo.parts.len() as PartIdx)
                .map(|p| VerdictSource {
                    partition: self.topo.part_name(p),
                    broker: self.verdict_source(p),
                })
                .collect(),
        }
    }
}
