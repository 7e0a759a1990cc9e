//! The JSON + Protobuf codec bundle (built with `--features protobuf`).

fn main() {
    khafka_formats_worker::serve();
}
