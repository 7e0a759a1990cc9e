//! Kafka's ApiVersions API: the first request on a new connection (Kafka's clients send it once
//! connected); its answer tells the client the connection is up.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiVersions {
    Request { req_id: u64 },
    Response { req_id: u64 },
}
