//! Structured trace events and the trace hash.
//!
//! Every step that changes what a user can see emits a [`TraceEvent`]. Events are hashed as they
//! happen with a portable hasher (fixed-width integers, little-endian), so the trace hash of a run is
//! the same natively and in wasm32, and two runs agree byte for byte iff their hashes agree. Storing
//! the events themselves is optional (`SimOptions::keep_trace`).

use crate::log::RecordId;
use crate::spec::BrokerId;
use crate::time::SimTime;
use serde::Serialize;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraceKind {
    Fault {
        description: String,
    },
    BrokerStarted {
        broker: BrokerId,
        broker_epoch: u64,
    },
    BrokerStopped {
        broker: BrokerId,
        clean: bool,
    },
    BrokerFenced {
        broker: BrokerId,
        reason: String,
    },
    BrokerUnfenced {
        broker: BrokerId,
    },
    LeaderElected {
        partition: Arc<str>,
        leader: Option<BrokerId>,
        leader_epoch: u32,
        isr: Vec<BrokerId>,
        unclean: bool,
        /// The leader came from the eligible leader replicas (KIP-966).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        from_elr: bool,
        reason: String,
    },
    IsrChanged {
        partition: Arc<str>,
        isr: Vec<BrokerId>,
        leader_epoch: u32,
        partition_epoch: u32,
    },
    Appended {
        partition: Arc<str>,
        broker: BrokerId,
        base_offset: u64,
        count: u32,
        leader_epoch: u32,
        first_record: RecordId,
    },
    Replicated {
        partition: Arc<str>,
        broker: BrokerId,
        base_offset: u64,
        count: u32,
    },
    Truncated {
        partition: Arc<str>,
        broker: BrokerId,
        to_offset: u64,
        removed: u64,
        reason: String,
    },
    HighWatermark {
        partition: Arc<str>,
        broker: BrokerId,
        high_watermark: u64,
    },
    ProduceError {
        producer: Arc<str>,
        partition: Arc<str>,
        error: &'static str,
        records: u32,
    },
    Acknowledged {
        producer: Arc<str>,
        partition: Arc<str>,
        base_offset: Option<u64>,
        records: u32,
        latency_us: u64,
    },
    SendFailed {
        producer: Arc<str>,
        partition: Arc<str>,
        error: &'static str,
        records: u32,
    },
    Consumed {
        consumer: Arc<str>,
        partition: Arc<str>,
        base_offset: u64,
        records: u32,
    },
    Violation {
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TraceEvent {
    pub time: SimTime,
    #[serde(flatten)]
    pub kind: TraceKind,
}

impl TraceEvent {
    /// Whether the event is worth showing in an event log (faults, elections, ISR changes, errors…),
    /// as opposed to the steady stream of appends and acknowledgements.
    pub fn is_notable(&self) -> bool {
        !matches!(
            self.kind,
            TraceKind::Appended { .. }
                | TraceKind::Replicated { .. }
                | TraceKind::HighWatermark { .. }
                | TraceKind::Acknowledged { .. }
                | TraceKind::Consumed { .. }
        )
    }
}

/// The frequent trace events (appends, replication, HW, acknowledgements, consumption), borrowing
/// their names. A run that does not keep its trace hashes them without building a [`TraceKind`],
/// whose `Arc<str>` clones and drops (atomic reference counts) were most of the cost of an emit. They
/// hash exactly as the `TraceEvent` they stand for (tested), and none is notable.
#[derive(Clone, Copy, Debug)]
pub enum HotEvent<'a> {
    Appended {
        partition: &'a Arc<str>,
        broker: BrokerId,
        base_offset: u64,
        count: u32,
        leader_epoch: u32,
        first_record: RecordId,
    },
    Replicated {
        partition: &'a Arc<str>,
        broker: BrokerId,
        base_offset: u64,
        count: u32,
    },
    HighWatermark {
        partition: &'a Arc<str>,
        broker: BrokerId,
        high_watermark: u64,
    },
    Acknowledged {
        producer: &'a Arc<str>,
        partition: &'a Arc<str>,
        base_offset: Option<u64>,
        records: u32,
        latency_us: u64,
    },
    Consumed {
        consumer: &'a Arc<str>,
        partition: &'a Arc<str>,
        base_offset: u64,
        records: u32,
    },
}

/// `TraceKind`'s variant indices, which its derived `Hash` writes first (as an `isize`).
const APPENDED: isize = 7;
const REPLICATED: isize = 8;
const HIGH_WATERMARK: isize = 10;
const ACKNOWLEDGED: isize = 12;
const CONSUMED: isize = 14;

impl HotEvent<'_> {
    /// Hashes `TraceEvent { time, kind: self.to_kind() }` as its derived `Hash` does.
    fn hash_event<H: Hasher>(&self, time: SimTime, h: &mut H) {
        time.hash(h);
        match *self {
            HotEvent::Appended {
                partition,
                broker,
                base_offset,
                count,
                leader_epoch,
                first_record,
            } => {
                h.write_isize(APPENDED);
                (**partition).hash(h);
                broker.hash(h);
                base_offset.hash(h);
                count.hash(h);
                leader_epoch.hash(h);
                first_record.hash(h);
            }
            HotEvent::Replicated {
                partition,
                broker,
                base_offset,
                count,
            } => {
                h.write_isize(REPLICATED);
                (**partition).hash(h);
                broker.hash(h);
                base_offset.hash(h);
                count.hash(h);
            }
            HotEvent::HighWatermark {
                partition,
                broker,
                high_watermark,
            } => {
                h.write_isize(HIGH_WATERMARK);
                (**partition).hash(h);
                broker.hash(h);
                high_watermark.hash(h);
            }
            HotEvent::Acknowledged {
                producer,
                partition,
                base_offset,
                records,
                latency_us,
            } => {
                h.write_isize(ACKNOWLEDGED);
                (**producer).hash(h);
                (**partition).hash(h);
                base_offset.hash(h);
                records.hash(h);
                latency_us.hash(h);
            }
            HotEvent::Consumed {
                consumer,
                partition,
                base_offset,
                records,
            } => {
                h.write_isize(CONSUMED);
                (**consumer).hash(h);
                (**partition).hash(h);
                base_offset.hash(h);
                records.hash(h);
            }
        }
    }

    pub fn to_kind(&self) -> TraceKind {
        match *self {
            HotEvent::Appended {
                partition,
                broker,
                base_offset,
                count,
                leader_epoch,
                first_record,
            } => TraceKind::Appended {
                partition: partition.clone(),
                broker,
                base_offset,
                count,
                leader_epoch,
                first_record,
            },
            HotEvent::Replicated {
                partition,
                broker,
                base_offset,
                count,
            } => TraceKind::Replicated {
                partition: partition.clone(),
                broker,
                base_offset,
                count,
            },
            HotEvent::HighWatermark {
                partition,
                broker,
                high_watermark,
            } => TraceKind::HighWatermark {
                partition: partition.clone(),
                broker,
                high_watermark,
            },
            HotEvent::Acknowledged {
                producer,
                partition,
                base_offset,
                records,
                latency_us,
            } => TraceKind::Acknowledged {
                producer: producer.clone(),
                partition: partition.clone(),
                base_offset,
                records,
                latency_us,
            },
            HotEvent::Consumed {
                consumer,
                partition,
                base_offset,
                records,
            } => TraceKind::Consumed {
                consumer: consumer.clone(),
                partition: partition.clone(),
                base_offset,
                records,
            },
        }
    }
}

/// A portable 64-bit hasher: words are read little-endian, `usize`/`isize` are widened to 64 bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceHasher {
    state: u64,
}

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher {
            state: 0x243F_6A88_85A3_08D3,
        }
    }
}

impl TraceHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        let x = (self.state ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.state = x ^ (x >> 29);
    }
}

impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        let mut z = self.state;
        z = (z ^ (z >> 33)).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        z = (z ^ (z >> 33)).wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        z ^ (z >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(buf) ^ ((rest.len() as u64) << 56));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.mix(i as u64);
    }
    fn write_u16(&mut self, i: u16) {
        self.mix(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.mix(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.mix(i as i64 as u64);
    }
    fn write_i64(&mut self, i: i64) {
        self.mix(i as u64);
    }
    fn write_i32(&mut self, i: i32) {
        self.mix(i as i64 as u64);
    }
}

/// The trace: a running hash, optionally the events, and always the notable ones.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    hasher: TraceHasher,
    pub events: Option<Vec<TraceEvent>>,
    pub notable: crate::chunked::ChunkVec<TraceEvent>,
    pub count: u64,
}

impl Trace {
    pub fn new(keep_all: bool) -> Self {
        Trace {
            events: keep_all.then(Vec::new),
            ..Trace::default()
        }
    }

    pub fn emit(&mut self, time: SimTime, kind: TraceKind) {
        let ev = TraceEvent { time, kind };
        ev.hash(&mut self.hasher);
        self.count += 1;
        if ev.is_notable() {
            self.notable.push(ev.clone());
        }
        if let Some(events) = &mut self.events {
            events.push(ev);
        }
    }

    /// Emits a frequent event: hashed in place, built only if the full trace is kept.
    #[inline]
    pub fn emit_hot(&mut self, time: SimTime, ev: HotEvent) {
        ev.hash_event(time, &mut self.hasher);
        self.count += 1;
        if let Some(events) = &mut self.events {
            events.push(TraceEvent {
                time,
                kind: ev.to_kind(),
            });
        }
    }

    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }
}

/// Formats a trace hash the way the CLI and the site print it.
pub fn format_hash(hash: u64) -> String {
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_events_hash_like_the_events_they_stand_for() {
        let part: Arc<str> = "orders-11".into();
        let client: Arc<str> = "a-producer-with-a-long-name".into();
        let hot = [
            HotEvent::Appended {
                partition: &part,
                broker: 3,
                base_offset: 1 << 40,
                count: 7,
                leader_epoch: 2,
                first_record: 99,
            },
            HotEvent::Replicated {
                partition: &part,
                broker: 2,
                base_offset: 12,
                count: 1,
            },
            HotEvent::HighWatermark {
                partition: &part,
                broker: 1,
                high_watermark: 5,
            },
            HotEvent::Acknowledged {
                producer: &client,
                partition: &part,
                base_offset: Some(4),
                records: 3,
                latency_us: 1_234,
            },
            HotEvent::Acknowledged {
                producer: &client,
                partition: &part,
                base_offset: None,
                records: 3,
                latency_us: 0,
            },
            HotEvent::Consumed {
                consumer: &client,
                partition: &part,
                base_offset: 8,
                records: 2,
            },
        ];
        for (i, ev) in hot.iter().enumerate() {
            let time = SimTime(1_000 + i as u64);
            let mut built = Trace::new(true);
            let kind = ev.to_kind();
            built.emit(time, kind.clone());
            let mut direct = Trace::new(true);
            direct.emit_hot(time, *ev);
            assert_eq!(built.hash(), direct.hash(), "{kind:?}");
            assert_eq!(built.events, direct.events);
            assert_eq!(built.count, direct.count);
            assert!(!TraceEvent { time, kind }.is_notable());
            assert_eq!(direct.notable.len(), 0);
        }
    }
}
