//! Strategies for the bridges' frames: `relay`, `receipt`, their replies
//! and the `receipt` event.

use super::*;
use switchboard_protocol::bridge::{
    Delivery, DeliveryStatus, Receipt, Relay, Relayed, ReportReceipt,
};

pub fn delivery_status() -> impl Strategy<Value = DeliveryStatus> {
    prop_oneof![
        Just(DeliveryStatus::Sent),
        Just(DeliveryStatus::Delivered),
        Just(DeliveryStatus::Failed),
    ]
}

prop_compose! {
    pub fn delivery()(
        status in delivery_status(),
        at in millis(),
        detail in option::of(text()),
    ) -> Delivery {
        Delivery { status, at, detail }
    }
}

prop_compose! {
    pub fn receipt()(
        conversation in conversation_id(),
        seq in seq(),
        status in delivery_status(),
        at in millis(),
        detail in option::of(text()),
    ) -> Receipt {
        Receipt { conversation, seq, status, at, detail }
    }
}

pub fn bridge_frame() -> BoxedStrategy<ClientFrame> {
    prop_oneof![
        (request_id(), text(), option::of(text()), text(), text()).prop_map(
            |(id, address, name, client_msg_id, body)| ClientFrame::Relay(Relay {
                id,
                address,
                name,
                client_msg_id,
                body,
            })
        ),
        (
            request_id(),
            conversation_id(),
            seq(),
            delivery_status(),
            option::of(text())
        )
            .prop_map(|(id, conversation, seq, status, detail)| {
                ClientFrame::Receipt(ReportReceipt {
                    id,
                    conversation,
                    seq,
                    status,
                    detail,
                })
            }),
    ]
    .boxed()
}

pub fn bridge_reply() -> BoxedStrategy<Reply> {
    prop_oneof![
        (conversation_id(), contact_id(), seq(), any::<bool>()).prop_map(
            |(conversation, contact, seq, created)| Reply::Relayed(Relayed {
                conversation,
                contact,
                seq,
                created,
            })
        ),
        receipt().prop_map(Reply::Receipt),
    ]
    .boxed()
}
