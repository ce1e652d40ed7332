//! Abandon (RFC 4511 4.11). The connection loop sets the abandoned operation's flag
//! (src/session/inflight.rs), after which it sends nothing more, not even a result;
//! here the request is only logged. Abandon itself never gets a response.

use super::request::Response;
use crate::log::OpLog;

/// Log the abandon and send nothing.
pub fn run(log: &OpLog, msgid: i32) -> Response {
    log.line(format_args!("ABANDON msg={msgid}"));
    Response::silent()
}
