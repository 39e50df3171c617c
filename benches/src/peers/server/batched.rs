//! The batched peer: the floor of what tokio-tungstenite costs for the
//! same fan-out. Each subscriber has a bounded queue of `Bytes`-backed
//! messages; the room fans a message out by `try_send` to every queue, so
//! a sender never waits for a reader; each subscriber's writer takes one
//! message, then everything else already queued, `feed`s them into a small
//! write buffer and flushes once.
//!
//! Invariants: a subscriber whose queue is full is dropped from its room
//! at once (its writer drains what was queued, then sends a close frame);
//! a room exists while it has members; no lock is held across an await
//! (fan-out is synchronous).

use super::{accept, Socket, Ticket, CLOSE_GRACE, QUEUE};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;

/// Bytes read from the socket at a time (tungstenite allocates this up
/// front per connection; its default is 128 KiB).
const READ_BUFFER: usize = 4 * 1024;
/// Bytes gathered before a write reaches the socket; a flush writes the
/// rest. Not zero: zero writes every frame on its own and loses batching.
const WRITE_BUFFER: usize = 16 * 1024;
/// The write buffer's hard ceiling, reached only while writes fail.
const MAX_WRITE_BUFFER: usize = 1024 * 1024;
/// The largest message or frame a client may send (Switchboard's default).
const MAX_MESSAGE: usize = 64 * 1024;

/// Every room of the server, by number. Cheap to clone.
#[derive(Clone, Default)]
pub(super) struct Rooms {
    map: Arc<Mutex<HashMap<super::RoomId, RoomEntry>>>,
    next_id: Arc<AtomicU64>,
}

struct RoomEntry {
    room: Arc<Room>,
    /// Connections (subscribers and senders) in the room.
    members: usize,
}

/// The subscribers of one room.
#[derive(Default)]
struct Room {
    subscribers: Mutex<Vec<Subscriber>>,
}

struct Subscriber {
    id: u64,
    queue: mpsc::Sender<Message>,
}

/// A connection's place in a room; leaving is dropping it.
struct Membership {
    rooms: Rooms,
    room_id: super::RoomId,
    room: Arc<Room>,
    /// Set for a subscriber: its entry in the room's list.
    subscriber: Option<u64>,
}

/// Locks a mutex whose holders never leave the data half-updated (each
/// update is one push, retain, insert or remove), so that a poisoned lock
/// is still sound to use.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Rooms {
    /// Joins `room`; a subscriber also gets the receiving end of its queue.
    fn join(&self, ticket: Ticket) -> (Membership, Option<mpsc::Receiver<Message>>) {
        let room = {
            let mut map = lock(&self.map);
            let entry = map.entry(ticket.room).or_insert_with(|| RoomEntry {
                room: Arc::default(),
                members: 0,
            });
            entry.members += 1;
            entry.room.clone()
        };
        let mut membership = Membership {
            rooms: self.clone(),
            room_id: ticket.room,
            room,
            subscriber: None,
        };
        if !ticket.subscriber {
            return (membership, None);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (queue, receiver) = mpsc::channel(QUEUE);
        lock(&membership.room.subscribers).push(Subscriber { id, queue });
        membership.subscriber = Some(id);
        (membership, Some(receiver))
    }
}

impl Room {
    /// Queues `message` for every subscriber; one whose queue is full is
    /// removed, which closes its queue and so its connection.
    fn fan_out(&self, message: &Message) {
        lock(&self.subscribers).retain(|subscriber| {
            match subscriber.queue.try_send(message.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    eprintln!(
                        "switchboard-peer: a subscriber has {QUEUE} messages waiting; disconnecting it"
                    );
                    false
                }
                Err(TrySendError::Closed(_)) => false,
            }
        });
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        if let Some(id) = self.subscriber {
            lock(&self.room.subscribers).retain(|subscriber| subscriber.id != id);
        }
        let mut map = lock(&self.rooms.map);
        if let Some(entry) = map.get_mut(&self.room_id) {
            entry.members -= 1;
            if entry.members == 0 {
                map.remove(&self.room_id);
            }
        }
    }
}

/// The connection settings: small buffers and Switchboard's size limits.
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

/// Serves one connection until either side ends it.
pub(super) async fn serve_connection(stream: TcpStream, rooms: Rooms) {
    let joined = accept(stream, Some(config()), |ticket| rooms.join(ticket)).await;
    let Some((socket, (membership, queue))) = joined else {
        return;
    };
    let (sink, stream) = socket.split();
    let room = membership.room.clone();
    match queue {
        // Reading and writing run side by side in this task; the first to
        // finish ends the other.
        Some(queue) => {
            tokio::select! {
                () = publish(stream, &room) => {}
                () = write(queue, sink) => {}
            }
        }
        None => publish(stream, &room).await,
    }
    drop(membership);
}

/// Fans every text or binary message the client sends out to its room.
async fn publish(mut stream: SplitStream<Socket>, room: &Room) {
    while let Some(Ok(message)) = stream.next().await {
        match message {
            Message::Text(_) | Message::Binary(_) => room.fan_out(&message),
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
}

/// Writes the queue to the client, one flush per batch. Ends when the
/// socket fails or the room dropped this subscriber (its queue closed).
async fn write(mut queue: mpsc::Receiver<Message>, mut sink: SplitSink<Socket, Message>) {
    while let Some(first) = queue.recv().await {
        if sink.feed(first).await.is_err() {
            return;
        }
        // Only what is queued now: a busy room cannot keep one batch open
        // for ever.
        for _ in 0..queue.len() {
            let Ok(message) = queue.try_recv() else { break };
            if sink.feed(message).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
    let close = Message::Close(Some(CloseFrame {
        code: CloseCode::Again,
        reason: "slow consumer".into(),
    }));
    let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(close)).await;
}
