//! KRaft's BrokerHeartbeat API (KIP-631): a broker's liveness and wishes (to be unfenced, to shut
//! down), and the controller's answer. A KRaft broker keeps one in flight at a time and sends the
//! next when it is answered (`BrokerLifecycleManager`); in ZooKeeper mode it stands for the
//! session's pings, every `broker.heartbeat.interval.ms`.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrokerHeartbeat {
    Request {
        req_id: u64,
        broker_epoch: u64,
        /// The epoch the clean-shutdown file held at start-up (`previousBrokerEpoch` in
        /// `BrokerRegistration`): `None` after a crash (KAFKA-15586).
        previous_broker_epoch: Option<u64>,
        metadata_offset: u64,
        want_shutdown: bool,
    },
    Response {
        /// The request's id: an answer to a heartbeat that timed out is never read (the client
        /// closed its connection).
        req_id: u64,
        /// The incarnation the answer is for (the request's `broker_epoch`): a process never
        /// reads the answer to its previous incarnation's heartbeat.
        broker_epoch: u64,
        fenced: bool,
        shutdown_ready: bool,
        /// `DUPLICATE_BROKER_REGISTRATION`: the registration of a new incarnation, refused while
        /// the previous one still holds a valid session (`ClusterControlManager.registerBroker`).
        refused: bool,
    },
}
