//! `steadysocket-test-server [--port N] [--www DIR] [--pkg DIR] [--js DIR] [--port-file FILE]`
//!
//! Prints `listening on http://127.0.0.1:PORT` once it accepts connections.

use std::path::PathBuf;
use std::process::ExitCode;

use steadysocket_test_server::{bind, Config};

fn parse(args: impl Iterator<Item = String>) -> Result<(Config, Option<PathBuf>), String> {
    let mut config = Config {
        port: 0,
        www: PathBuf::from("www"),
        pkg: PathBuf::from("pkg"),
        js: PathBuf::from("js"),
    };
    let mut port_file = None;
    let mut args = args.skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => config.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--www" => config.www = value()?.into(),
            "--pkg" => config.pkg = value()?.into(),
            "--js" => config.js = value()?.into(),
            "--port-file" => port_file = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((config, port_file))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (config, port_file) = match parse(std::env::args()) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("steadysocket-test-server: {e}");
            return ExitCode::from(2);
        }
    };
    let (addr, serve) = match bind(config).await {
        Ok(bound) => bound,
        Err(e) => {
            eprintln!("steadysocket-test-server: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(file) = port_file {
        if let Err(e) = std::fs::write(&file, addr.port().to_string()) {
            eprintln!(
                "steadysocket-test-server: cannot write {}: {e}",
                file.display()
            );
            return ExitCode::FAILURE;
        }
    }
    println!("listening on http://{addr}");
    match serve.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("steadysocket-test-server: {e}");
            ExitCode::FAILURE
        }
    }
}
