//! `kafka-log-dirs --describe`, in words: each replica's live log — its log start offset, end
//! offset, high watermark, size and segments (base offset, bytes, batches), and how far its cleaner
//! got — as retention and compaction left it.

use crate::msg::PartIdx;
use crate::sim::Sim;
use crate::spec::BrokerId;
use serde::Serialize;

/// One segment of a replica's live log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SegmentView {
    pub base_offset: u64,
    pub bytes: u64,
    pub batches: u32,
    /// Its largest record timestamp (ms of simulated time).
    pub max_timestamp_ms: u64,
}

/// One replica's live log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicaLogView {
    pub partition: String,
    pub broker: BrokerId,
    pub log_start_offset: u64,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    pub size_bytes: u64,
    /// The cleaner's checkpoint (0: never cleaned).
    pub clean_end: u64,
    pub segments: Vec<SegmentView>,
}

impl Sim {
    /// Every replica's live log, by partition then broker.
    pub fn log_dirs(&self) -> Vec<ReplicaLogView> {
        let mut out = Vec::new();
        for part in 0..self.topo.parts.len() as PartIdx {
            if self.topo.is_internal(part) {
                continue;
            }
            for &b in &self.topo.parts[part as usize].replicas {
                let Some(r) = self.brokers[(b - 1) as usize].replicas.get(&part) else {
                    continue;
                };
                let log = &r.log;
                out.push(ReplicaLogView {
                    partition: self.topo.part_name(part).to_string(),
                    broker: b,
                    log_start_offset: log.log_start_offset(),
                    log_end_offset: log.log_end_offset(),
                    high_watermark: log.high_watermark,
                    size_bytes: log.size_bytes(),
                    clean_end: if log.cleaned().is_empty() {
                        0
                    } else {
                        log.clean_end()
                    },
                    segments: log
                        .segments()
                        .iter()
                        .map(|s| SegmentView {
                            base_offset: s.base_offset,
                            bytes: s.bytes,
                            batches: s.batches,
                            max_timestamp_ms: s.max_timestamp_ms,
                        })
                        .collect(),
                });
            }
        }
        out
    }

    /// Whether the scenario sets any log setting (segments, retention, compaction): then the CLI
    /// shows [`Sim::describe_log_dirs`].
    pub fn log_settings_changed(&self) -> bool {
        self.topo.config.log != crate::config::BrokerLogConfig::default()
            || self
                .topo
                .topics
                .iter()
                .any(|t| t.config.log != crate::config::TopicLogConfig::default())
    }

    /// The log dirs as text: one line per replica, its segments after it (at most 6, the oldest
    /// and the newest); a replica whose segments are the same as the partition's previous
    /// replica's says so instead of listing them again.
    pub fn describe_log_dirs(&self) -> String {
        let mut out = String::new();
        let dirs = self.log_dirs();
        for (i, r) in dirs.iter().enumerate() {
            out.push_str(&format!(
                "\t{}\tbroker {}\tlogStartOffset: {}\tLEO: {}\tHW: {}\tsize: {} B\tsegments: {}",
                r.partition,
                r.broker,
                r.log_start_offset,
                r.log_end_offset,
                r.high_watermark,
                r.size_bytes,
                r.segments.len()
            ));
            if r.clean_end > 0 {
                out.push_str(&format!("\tcleaned below: {}", r.clean_end));
            }
            out.push('\n');
            if let Some(prev) = i
                .checked_sub(1)
                .map(|j| &dirs[j])
                .filter(|p| p.partition == r.partition && p.segments == r.segments)
            {
                out.push_str(&format!("\t\tsegments as on broker {}\n", prev.broker));
                continue;
            }
            let n = r.segments.len();
            for (i, s) in r.segments.iter().enumerate() {
                if n > 6 && (3..n - 3).contains(&i) {
                    if i == 3 {
                        out.push_str(&format!("\t\t… {} more segments\n", n - 6));
                    }
                    continue;
                }
                let active = if i + 1 == n { " (active)" } else { "" };
                out.push_str(&format!(
                    "\t\tsegment {}{}: {} B, {} batches, largest timestamp {} ms\n",
                    s.base_offset, active, s.bytes, s.batches, s.max_timestamp_ms
                ));
            }
        }
        out
    }
}

/// One record of a replica's live log, as a consumer reading it would see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveRecord {
    pub offset: u64,
    pub record: crate::log::RecordId,
    /// Its key (`None`: a null key).
    pub key: Option<String>,
    /// A null value (a tombstone).
    pub tombstone: bool,
}

impl Sim {
    /// The live log of `partition` (`orders-0`) on `broker`, from its log start offset: what a
    /// fetch from there returns, gaps left by the cleaner included. `None` if that broker holds no
    /// replica of it.
    pub fn live_records(&self, partition: &str, broker: BrokerId) -> Option<Vec<LiveRecord>> {
        let part = (0..self.topo.parts.len() as PartIdx)
            .find(|p| &*self.topo.part_name(*p) == partition)?;
        let r = self
            .brokers
            .get((broker as usize).checked_sub(1)?)?
            .replicas
            .get(&part)?;
        let store = &self.batches;
        let start = r.log.log_start_offset();
        let mut out = Vec::new();
        let mut key = String::new();
        for id in r.log.live_batches_from(start, store) {
            let b = store.get(id);
            for i in 0..b.count {
                let offset = b.base_offset + i as u64;
                if offset < start {
                    continue;
                }
                let record = store.record_id(id, i);
                let (k, tombstone) = match self.prov.producer_and_key(record) {
                    Some((p, k)) => {
                        let info = &self.topo.producers[p as usize];
                        let k = k.map(|k| {
                            info.write_key(k, &mut key);
                            key.clone()
                        });
                        (k, info.null_value)
                    }
                    None => (None, false),
                };
                out.push(LiveRecord {
                    offset,
                    record,
                    key: k,
                    tombstone,
                });
            }
        }
        Some(out)
    }
}
