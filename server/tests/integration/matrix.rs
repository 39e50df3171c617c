//! The permission matrix (issue 4, DESIGN.md section 2) as data in
//! [`table`], driven by two harnesses against a real server: every request
//! by every subject gets exactly the expected allow or deny, outsiders
//! cannot tell an existing id from a missing one ([`requests`]), every
//! event reaches exactly the connections entitled to it ([`events`]), and
//! access taken away mid-session leaves every connection that held it
//! ([`mid_session`]).

mod blast_requests;
mod book_requests;
mod events;
mod mid_session;
mod request_frames;
mod requests;
mod table;
mod world;

use crate::util::TestServer;
use world::MatrixWorld;

#[tokio::test]
async fn every_request_by_every_subject_gets_exactly_the_matrix_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = MatrixWorld::seed(&server).await;
    requests::run(&server, &world).await;
}

#[tokio::test]
async fn every_event_reaches_exactly_the_subjects_the_matrix_allows() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = MatrixWorld::seed(&server).await;
    events::run(&server, &world).await;
}

#[tokio::test]
async fn removing_a_team_mid_session_closes_every_connection_that_reached_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = MatrixWorld::seed(&server).await;
    mid_session::run(&server, &world).await;
}

#[tokio::test]
async fn every_other_access_change_mid_session_cuts_off_exactly_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = MatrixWorld::seed(&server).await;
    mid_session::run_changes(&server, &world).await;
}
