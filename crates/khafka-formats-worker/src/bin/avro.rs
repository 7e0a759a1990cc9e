//! The JSON + Avro codec bundle (built with `--features avro`).

fn main() {
    khafka_formats_worker::serve();
}
