//! The labels of the app's requests that the room answers (a page, a search, an offer, a fetch):
//! drawn one by one for the connection on screen, so that an answer, or the error it gets, says
//! which request it is for. A room that echoes no labels (an older Coucou) is sent none: its
//! answers are matched in order, as before.

use crate::protocol::message::Label;

/// Labels for one connection's requests, and the history requests still waiting for theirs.
#[derive(Debug, Default)]
pub struct Asked {
    /// The room echoes labels (its welcome said so).
    echoed: bool,
    /// The last label drawn.
    last: Label,
    /// The page of older messages asked for, while its answer is awaited.
    pub page: Option<Label>,
    /// The search sent, while its answer is awaited.
    pub search: Option<Label>,
    /// The page of this device's own private messages asked for, while its answer is awaited.
    pub privates: Option<Label>,
}

impl Asked {
    /// A new connection whose room echoes labels, or not: nothing is awaited on it yet.
    pub fn connected(echoed: bool) -> Self {
        Self {
            echoed,
            ..Self::default()
        }
    }

    /// A label for the next request, or `None` when the room would refuse one.
    pub fn label(&mut self) -> Option<Label> {
        self.echoed.then(|| {
            self.last += 1;
            self.last
        })
    }

    /// True when `label` is the awaited page's: then it is awaited no more.
    pub fn page_answered(&mut self, label: Label) -> bool {
        answered(&mut self.page, label)
    }

    /// True when `label` is the awaited search's: then it is awaited no more.
    pub fn search_answered(&mut self, label: Label) -> bool {
        answered(&mut self.search, label)
    }

    /// True when `label` is the awaited private messages' page's: then it is awaited no more.
    pub fn privates_answered(&mut self, label: Label) -> bool {
        answered(&mut self.privates, label)
    }
}

/// True when `label` is the one `awaited` holds, which then holds none.
fn answered(awaited: &mut Option<Label>, label: Label) -> bool {
    let ours = *awaited == Some(label);
    if ours {
        *awaited = None;
    }
    ours
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_drawn_only_for_a_room_that_echoes_them_and_never_twice() {
        let mut old = Asked::connected(false);
        assert_eq!((old.label(), old.label()), (None, None));
        let mut asked = Asked::connected(true);
        let labels: Vec<_> = (0..3).map(|_| asked.label()).collect();
        assert_eq!(labels, [Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn an_answer_is_the_page_s_or_the_search_s_only_by_its_label() {
        let mut asked = Asked::connected(true);
        asked.page = asked.label();
        asked.search = asked.label();
        assert!(
            !asked.page_answered(2),
            "the search's label is not the page's"
        );
        assert!(asked.page_answered(1));
        assert!(!asked.page_answered(1), "answered once");
        assert!(asked.search_answered(2));
        assert_eq!((asked.page, asked.search), (None, None));
    }
}
