//! Generates the gRPC service and messages of `proto/realtime.proto` (crate::rpc). The proto
//! is compiled by `protox`, in Rust, so that building needs no `protoc` on the machine.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/realtime.proto");
    let descriptors = protox::compile(["proto/realtime.proto"], ["proto"])?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
