//! The naive peer: the broadcast server most examples write. Each room is
//! a `tokio::sync::broadcast` channel; each connection runs a send task
//! that loops `rx.recv().await` then `sink.send(msg).await` (one write and
//! one flush per message per client) and a receive task that publishes
//! what the client sends; whichever ends first ends the other. Default
//! `WebSocketConfig`.
//!
//! Invariants: a room exists while it has members and is removed with its
//! last one; a subscriber that lags more than [`QUEUE`] messages behind
//! the room is disconnected (the channel has overwritten what it missed),
//! which is also what `while let Ok(msg) = rx.recv().await` does.

use super::{accept, Socket, Ticket, CLOSE_GRACE, QUEUE};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::net::TcpStream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// Every room of the server, by number. Cheap to clone.
#[derive(Clone, Default)]
pub(super) struct Rooms {
    map: Arc<Mutex<HashMap<super::RoomId, Room>>>,
}

struct Room {
    channel: broadcast::Sender<Message>,
    /// Connections (subscribers and senders) in the room.
    members: usize,
}

/// A connection's place in a room; leaving is dropping it.
struct Membership {
    rooms: Rooms,
    room: super::RoomId,
    channel: broadcast::Sender<Message>,
}

impl Rooms {
    fn join(&self, room: super::RoomId) -> Membership {
        // A panic while holding the lock cannot leave the map half-updated
        // (every update is one insert, increment or remove), so a poisoned
        // lock is still sound to use.
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map.entry(room).or_insert_with(|| Room {
            channel: broadcast::channel(QUEUE).0,
            members: 0,
        });
        entry.members += 1;
        Membership {
            rooms: self.clone(),
            room,
            channel: entry.channel.clone(),
        }
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        let mut map = self
            .rooms
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(room) = map.get_mut(&self.room) {
            room.members -= 1;
            if room.members == 0 {
                map.remove(&self.room);
            }
        }
    }
}

/// Serves one connection until either side ends it.
pub(super) async fn serve_connection(stream: TcpStream, rooms: Rooms) {
    let joined = accept(stream, None, |ticket: Ticket| {
        let membership = rooms.join(ticket.room);
        // Subscribing here, before the 101 is written, is what makes the
        // client's `connect` returning mean "joined".
        let receiver = ticket.subscriber.then(|| membership.channel.subscribe());
        (membership, receiver)
    })
    .await;
    let Some((socket, (membership, receiver))) = joined else {
        return;
    };
    let (sink, stream) = socket.split();
    let mut recv_task = tokio::spawn(publish(stream, membership.channel.clone()));
    let Some(receiver) = receiver else {
        // A sender only publishes.
        let _ = recv_task.await;
        return;
    };
    let mut send_task = tokio::spawn(forward(receiver, sink));
    tokio::select! {
        _ = &mut send_task => recv_task.abort(),
        _ = &mut recv_task => send_task.abort(),
    }
    drop(membership);
}

/// Publishes every text or binary message the client sends to its room.
async fn publish(mut stream: SplitStream<Socket>, channel: broadcast::Sender<Message>) {
    while let Some(Ok(message)) = stream.next().await {
        match message {
            // An error only means no subscriber is listening right now.
            Message::Text(_) | Message::Binary(_) => {
                let _ = channel.send(message);
            }
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
}

/// Sends the room's messages to the client, one awaited send each.
async fn forward(mut receiver: broadcast::Receiver<Message>, mut sink: SplitSink<Socket, Message>) {
    loop {
        match receiver.recv().await {
            Ok(message) => {
                if sink.send(message).await.is_err() {
                    return;
                }
            }
            Err(RecvError::Lagged(missed)) => {
                eprintln!("switchboard-peer: a subscriber lagged {missed} messages behind; disconnecting it");
                let close = Message::Close(Some(CloseFrame {
                    code: CloseCode::Again,
                    reason: "slow consumer".into(),
                }));
                let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(close)).await;
                return;
            }
            // Cannot happen while the membership holds the sender; ending
            // is right either way.
            Err(RecvError::Closed) => return,
        }
    }
}
