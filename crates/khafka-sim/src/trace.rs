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

    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }
}

/// Formats a trace hash the way the CLI and the site print it.
pub fn format_hash(hash: u64) -> String {
    format!("{hash:016x}")
}
