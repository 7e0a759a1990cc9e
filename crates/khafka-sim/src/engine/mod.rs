//! The engine that runs the actors: the event loop ([`sim::Sim`]), what a handler may do
//! ([`ctx::Ctx`]: send, set a timer, emit), time travel ([`timeline::Timeline`]) and the
//! single-actor test harness.

pub mod ctx;
pub mod harness;
pub mod sim;
pub mod timeline;
