//! Abandon (RFC 4511 4.11). Requests on a connection run one at a time, so by the
//! time an Abandon is read the operation it names has already answered: nothing to do,
//! and Abandon itself never gets a response.

use super::request::Response;
use crate::log::OpLog;

/// Log the abandon and send nothing.
pub fn run(log: &OpLog, msgid: i32) -> Response {
    log.line(&format!("ABANDON msg={msgid}"));
    Response::silent()
}
