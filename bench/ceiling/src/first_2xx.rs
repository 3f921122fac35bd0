//! `first-2xx`: how long a freshly spawned revdir takes to answer its first request.
//!
//! Usage: `first-2xx [--timeout-ms N] [--path P] -- revdir serve --db FILE --listen 127.0.0.1:0`.
//! It spawns the command, reads its stdout for the admin token a bootstrapping start prints
//! (or takes `--token`) and for the `listening on http://ADDR` line, then sends
//! `GET <path>` with that token to ADDR (loopback only) in a tight loop until one answers 2xx.
//! It prints `listening_ms=<t> first_2xx_ms=<t>` and stops the server (SIGKILL). Every wait
//! is bounded by `--timeout-ms`.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Parser;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(name = "first-2xx", about = "Time from spawn to the first 2xx answer of a server")]
struct Args {
    /// Give up after this many milliseconds.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Path to GET (authenticated with the token).
    #[arg(long, default_value = "/dev-users.self")]
    path: String,
    /// Token to send, when the server does not print one.
    #[arg(long)]
    token: Option<String>,
    /// The server command and its arguments.
    #[arg(trailing_var_arg = true, required = true)]
    command: Vec<String>,
}

/// What the server's stdout told.
#[derive(Debug)]
enum Line {
    /// The admin token printed by a bootstrapping start.
    Token(String),
    /// The address from `… listening on http://ADDR`.
    Listening(SocketAddr),
}

/// One GET; `Some(status)` when the server answered at all.
fn probe(addr: SocketAddr, path: &str, token: &str) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let _ = s.set_nodelay(true);
    let req =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    let text = std::str::from_utf8(&head).ok()?;
    text.get(9..12)?.parse().ok()
}

/// Runs the measurement; returns the line to print.
fn run(args: &Args) -> Result<String, String> {
    let deadline = Duration::from_millis(args.timeout_ms);
    let (program, rest) = args.command.split_first().ok_or("no command given")?;
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(rest)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawning {program}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut token_next = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if token_next {
                token_next = false;
                let _ = tx.send(Line::Token(line.trim().to_owned()));
            } else if line.contains("admin token") {
                token_next = true;
            } else if let Some(addr) = line.split("listening on http://").nth(1) {
                if let Ok(addr) = addr.trim().parse() {
                    let _ = tx.send(Line::Listening(addr));
                }
            }
        }
    });
    let mut token = args.token.clone();
    let mut addr: Option<SocketAddr> = None;
    let mut listening = None;
    let outcome = loop {
        if started.elapsed() > deadline {
            break Err(format!("no 2xx within {} ms", args.timeout_ms));
        }
        while let Ok(line) = rx.try_recv() {
            match line {
                Line::Token(t) => token = Some(t),
                Line::Listening(a) => {
                    listening = Some(started.elapsed());
                    addr = Some(a);
                }
            }
        }
        match (addr, &token) {
            (Some(a), Some(t)) if a.ip().is_loopback() => {
                if probe(a, &args.path, t).is_some_and(|s| (200..300).contains(&s)) {
                    break Ok(started.elapsed());
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            (Some(a), _) if !a.ip().is_loopback() => break Err(format!("{a} is not a loopback address")),
            _ => {
                if let Ok(Some(status)) = child.try_wait() {
                    break Err(format!("the server exited early: {status}"));
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let first = outcome?;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(format!("listening_ms={:.1} first_2xx_ms={:.1}", listening.map_or(f64::NAN, ms), ms(first)))
}

/// Entry point: prints the timing line, or the reason it failed and exits 1.
fn main() {
    let args = Args::parse();
    match run(&args) {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("first-2xx: {e}");
            std::process::exit(1);
        }
    }
}
