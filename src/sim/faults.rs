//! Replies that break the protocol on purpose (`Behaviour::reply_faults`), so the client's and
//! the doctor's handling of each can be tested through a real socket. Faults at the message
//! level go through the WebSocket as text frames; faults below it (a frame cut short, a frame
//! trickled byte by byte, a frame header over the client's cap) write raw frame bytes to the
//! stream under the WebSocket, which is what a broken peer or a middlebox would put on the wire.

use std::time::Duration;

use futures_util::SinkExt;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::behaviour::ReplyFault;
use crate::engine::wire::Response;

/// What the socket does after a fault.
pub enum After {
    /// Keep serving the socket.
    Serve,
    /// Drop the connection (without a close frame).
    Drop,
}

/// The HTML page a broken proxy might put where a reply belongs; the title sequence (ESC ] 0 ;
/// ... BEL) would retitle a terminal if an error quoted it raw.
const GARBAGE: &str = "<html><head><title>502 Bad Gateway</title></head>\u{1b}]0;pwned\u{7}<body>upstream error</body></html>";

/// Sends `fault` in place of `resp`, the reply the engine would have sent.
pub async fn misbehave<S>(
    ws: &mut WebSocketStream<S>,
    fault: &ReplyFault,
    resp: Response,
    cancel: &CancellationToken,
) -> After
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let text = serde_json::to_string(&resp).unwrap_or_default();
    let id = resp.id.as_u64().unwrap_or(0);
    let frame = match fault {
        ReplyFault::Garbage => GARBAGE.to_string(),
        ReplyFault::Truncated => text.chars().take(text.chars().count() / 2).collect(),
        ReplyFault::UnknownId => {
            let mut r = resp.clone();
            r.id = Value::from(id + 1_000_000);
            serde_json::to_string(&r).unwrap_or_default()
        }
        ReplyFault::NeitherResultNorError => format!(r#"{{"jsonrpc":"2.0","id":{id}}}"#),
        ReplyFault::Oversized(size) => {
            let mut raw = frame_header(*size);
            raw.extend_from_slice(&text.as_bytes()[..text.len().min(16)]);
            if write_raw(ws, &raw).await {
                // Hold the socket: the client must give up on its own, not wait for the rest.
                cancel.cancelled().await;
            }
            return After::Drop;
        }
        ReplyFault::Trickle(every) => {
            let mut raw = frame_header(text.len() as u64);
            raw.extend_from_slice(text.as_bytes());
            trickle(ws, &raw, *every, cancel).await;
            return After::Drop;
        }
        ReplyFault::CloseMidFrame => {
            let mut raw = frame_header(text.len() as u64);
            raw.extend_from_slice(&text.as_bytes()[..text.len() / 2]);
            write_raw(ws, &raw).await;
            return After::Drop;
        }
    };
    match ws.send(Message::text(frame)).await {
        Ok(()) => After::Serve,
        Err(_) => After::Drop,
    }
}

/// The header of one unmasked, final text frame (a server's frames are never masked).
fn frame_header(len: u64) -> Vec<u8> {
    let mut h = vec![0x81];
    match len {
        0..=125 => h.push(len as u8),
        126..=0xffff => {
            h.push(126);
            h.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            h.push(127);
            h.extend_from_slice(&len.to_be_bytes());
        }
    }
    h
}

/// Writes bytes under the WebSocket (nothing of the WebSocket's own is pending: every earlier
/// send was flushed). False when the peer is gone.
async fn write_raw<S>(ws: &mut WebSocketStream<S>, bytes: &[u8]) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let io = ws.get_mut();
    io.write_all(bytes).await.is_ok() && io.flush().await.is_ok()
}

/// One byte per `every` until the frame is out, the peer leaves, or the server is killed.
async fn trickle<S>(
    ws: &mut WebSocketStream<S>,
    raw: &[u8],
    every: Duration,
    cancel: &CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    for byte in raw {
        if !write_raw(ws, std::slice::from_ref(byte)).await {
            return;
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::frame_header;

    #[test]
    fn frame_headers_use_the_shortest_length_form() {
        assert_eq!(frame_header(5), vec![0x81, 5]);
        assert_eq!(frame_header(300), vec![0x81, 126, 1, 44]);
        assert_eq!(
            frame_header(1 << 32),
            vec![0x81, 127, 0, 0, 0, 1, 0, 0, 0, 0]
        );
    }
}
