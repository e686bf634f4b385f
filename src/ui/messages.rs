//! The message list: only the rows on screen are laid out, so 100,000 messages scroll smoothly.
//!
//! Rows wrap, so they differ in height. [`ListLayout`] keeps one height per entry — a cheap estimate
//! until the row has been drawn once, then its measured height — and their running sums, so the rows
//! in view are found by binary search. The list follows new messages while it is at the bottom and
//! offers "N new messages - show" when scrolled up.
//!
//! Each row is drawn from its entry and the one before it: a day heading where the day changes,
//! "New since you last looked" above the model's marker, and consecutive messages from one person
//! within [`GROUP_WITHIN_MS`] grouped under one name and time (a reply never is). A right click on
//! a message offers reactions, Reply, Edit and Delete (your own, sent on this connection), copy,
//! copy link, quote and reply privately.
//!
//! For a screen reader the list is a list of rows, each row one item (its words are its children's)
//! known by its entry's key, so a row keeps its identity when others arrive above or below it; a
//! polite live region says each new message from someone else ([`spoken`]).

use eframe::egui::accesskit::{Live, Role};
use eframe::egui::{self, Color32, Frame, RichText, TextWrapMode, UiBuilder, Vec2};

use super::pictures::{PictureView, Thumb, picture_ui};
use super::progress::progress_ui;
use super::{Action, FileAction, RoomAction, name_colour, relations};
use crate::client::preview;
use crate::i18n::Lang;
use crate::model::markup::{self, Span, Style, is_link};
use crate::model::transcript::{day_heading, local_day, local_hour_minute};
use crate::model::{
    ChatModel, Direction, Entry, EntryKind, MarkerKind, TransferState, TransferStatus,
};
use crate::protocol::Command;
use crate::protocol::change::Quote;
use crate::protocol::command::Moderate;
use crate::protocol::message::{Act, FileOffer};
use crate::tr;

/// Messages from one person this close together are grouped under one name and time.
pub const GROUP_WITHIN_MS: u64 = 5 * 60 * 1000;

/// Heights of the rows, and where the list is scrolled; kept between frames.
#[derive(Debug, Default)]
pub struct ListLayout {
    /// The width the heights were computed for.
    width: f32,
    /// The text size the heights were computed for.
    font_size: f32,
    /// One height per entry, spacing included.
    heights: Vec<f32>,
    /// `offsets[i]` is the top of row `i`; one more than `heights`, the last being the total.
    offsets: Vec<f32>,
    /// Heights changed since `offsets` was computed.
    dirty: bool,
    /// The list was at its bottom in the last frame.
    at_bottom: bool,
    /// Entries that arrived while scrolled up.
    unseen: usize,
    /// How many entries there were in the last frame.
    seen_len: usize,
    /// Scroll to this fraction of the list (1.0: the bottom) in the next frame.
    jump: Option<f32>,
    /// Scroll so that this entry is at the top, in the next frame.
    jump_entry: Option<usize>,
    /// The entry jumped to from a search result, drawn highlighted.
    pub highlight: Option<usize>,
    /// A button of the list was used: give the keyboard back to the input line.
    pub return_focus: bool,
    /// The first this many heights are placeholders for rows put before the others.
    needs_estimate: usize,
    /// The first entry in view in the last frame.
    first_shown: usize,
}

impl ListLayout {
    /// Scrolls to the newest message in the next frame.
    pub fn jump_to_bottom(&mut self) {
        self.jump = Some(1.0);
    }

    /// Scrolls to a fraction of what can be scrolled (0.0 the top, 1.0 the bottom) in the next
    /// frame.
    pub fn jump_to_fraction(&mut self, fraction: f32) {
        self.jump = Some(fraction.clamp(0.0, 1.0));
    }

    /// Scrolls so that entry `index` is at the top of the view in the next frame.
    pub fn jump_to_entry(&mut self, index: usize) {
        self.jump_entry = Some(index);
    }

    /// `added` entries were put before the first one (an older page): the rows shown stay where
    /// they are on screen.
    pub fn prepended(&mut self, added: usize) {
        if added == 0 {
            return;
        }
        let old = std::mem::take(&mut self.heights);
        self.heights = vec![0.0; added];
        self.heights.extend(old);
        self.needs_estimate = added;
        self.seen_len += added;
        self.highlight = self.highlight.map(|h| h + added);
        if self.jump.is_none() && self.jump_entry.is_none() {
            self.jump_entry = Some(self.first_shown + added);
        }
    }

    /// `added` entries went in among the others (not at the end, not news): every row is
    /// measured again.
    pub fn inserted(&mut self, added: usize) {
        self.heights.clear();
        self.needs_estimate = 0;
        self.seen_len += added;
        self.highlight = None;
    }

    /// True when the list shows its newest entry.
    pub fn at_bottom(&self) -> bool {
        self.at_bottom
    }

    fn sync(&mut self, entries: &[Entry], width: f32, font_size: f32, spacing: f32) {
        if (self.width - width).abs() > 0.5 || (self.font_size - font_size).abs() > 0.01 {
            self.width = width;
            self.font_size = font_size;
            self.heights.clear();
        }
        if self.heights.len() > entries.len() {
            self.heights.clear();
            self.needs_estimate = 0;
        }
        let placeholders = std::mem::take(&mut self.needs_estimate).min(self.heights.len());
        for (height, entry) in self.heights[..placeholders].iter_mut().zip(entries) {
            *height = row_estimate(entry, width, font_size, spacing);
            self.dirty = true;
        }
        if self.heights.len() < entries.len() {
            let start = self.heights.len();
            self.heights.extend(
                entries[start..]
                    .iter()
                    .map(|e| row_estimate(e, width, font_size, spacing)),
            );
            self.dirty = true;
        }
        if self.dirty || self.offsets.len() != self.heights.len() + 1 {
            self.offsets.clear();
            self.offsets.reserve(self.heights.len() + 1);
            let mut y = 0.0;
            self.offsets.push(y);
            for h in &self.heights {
                y += h;
                self.offsets.push(y);
            }
            self.dirty = false;
        }
    }

    fn total(&self) -> f32 {
        self.offsets.last().copied().unwrap_or(0.0)
    }
}

/// False for what the list gives no row: a private message, which shows in its direct
/// conversation (the room's column) instead.
fn has_row(entry: &Entry) -> bool {
    !matches!(entry.kind, EntryKind::Private { .. })
}

/// A guess at a row's height with the space after it; none for an entry without a row.
fn row_estimate(entry: &Entry, width: f32, font_size: f32, spacing: f32) -> f32 {
    if !has_row(entry) {
        0.0
    } else {
        estimate_height(entry, width, font_size) + spacing
    }
}

/// A guess at a row's height from its length, before it has been drawn.
fn estimate_height(entry: &Entry, width: f32, font_size: f32) -> f32 {
    let n_chars = match &entry.kind {
        EntryKind::Chat { from, text, .. } => from.len() + text.chars().count() + 8,
        EntryKind::Notice(text) | EntryKind::Error(text) | EntryKind::Plain(text) => {
            text.chars().count() + 8
        }
        // The offer, then its button or progress bar (or its thumbnail: see `extra_lines`).
        EntryKind::File(offer) => offer.name.chars().count() + offer.from.len() + 80,
        EntryKind::Private { from, to, text, .. } => {
            from.len() + to.len() + text.chars().count() + 20
        }
    };
    let line_height = font_size * 1.3;
    let chars_per_line = (width / (font_size * 0.55)).max(10.0);
    let lines = (n_chars as f32 / chars_per_line).ceil().max(1.0);
    let extra_lines = match &entry.kind {
        EntryKind::Notice(text) => text.lines().count().saturating_sub(1) as f32,
        EntryKind::File(offer) if shows_inline(offer) => preview::THUMBNAIL[1] as f32 / line_height,
        _ => 0.0,
    };
    (lines + extra_lines) * line_height + 4.0
}

/// Draws the list of messages. Scrolling, and "N new messages - show", change only the layout; a
/// message's context menu returns what was chosen.
pub fn messages_ui(
    ui: &mut egui::Ui,
    (model, pictures): (&ChatModel, &PictureView),
    layout: &mut ListLayout,
    rights: Rights,
) -> Option<Action> {
    let mut action = None;
    let font_size = ui
        .style()
        .text_styles
        .get(&egui::TextStyle::Body)
        .map_or(14.0, |f| f.size);
    let spacing = ui.spacing().item_spacing.y;
    let width = ui.available_width() - ui.spacing().scroll.bar_width - 8.0;
    layout.sync(&model.entries, width, font_size, spacing);

    // A conversation's first rows (a welcome's history, a replay) are not news, and it opens at
    // its newest: egui keeps the scroll state of the list shown before, wherever that was.
    let first = layout.seen_len == 0 && !model.entries.is_empty();
    if first {
        layout.jump_to_bottom();
    }
    let grew = if first {
        0
    } else {
        model.entries.len().saturating_sub(layout.seen_len)
    };
    layout.seen_len = model.entries.len();

    older_ui(ui, model, layout.first_shown == 0, &mut action);
    announce_ui(ui, model);
    // A jump up must not stick to the bottom in its frame: egui's stick-to-end would undo it.
    let jumping_up =
        layout.jump.is_some_and(|fraction| fraction < 1.0) || layout.jump_entry.is_some();
    let mut area = egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .stick_to_bottom(!jumping_up);
    // egui weighs an offset against the list's length in the last frame: past it (a page just
    // arrived above) it would spring back and coast away from the rows asked for. No spring
    // in a frame that places the list.
    let rubber_band = ui.spacing().scroll.kinetic.rubber_band;
    if layout.jump.is_some() || layout.jump_entry.is_some() {
        ui.spacing_mut().scroll.kinetic.rubber_band = false;
    }
    // Offsets within what can be scrolled: the list's length less the view's (nothing when the
    // list is shorter than the view). Past it, the first frames would show no row at all.
    let scrollable = (layout.total() - ui.available_height()).max(0.0);
    if let Some(fraction) = layout.jump.take() {
        area = area.vertical_scroll_offset(scrollable * fraction);
    }
    if let Some(index) = layout.jump_entry.take() {
        let y = layout.offsets.get(index).copied().unwrap_or(0.0);
        area = area.vertical_scroll_offset(y.min(scrollable));
    }
    let dark = ui.visuals().dark_mode;
    let mut drawn_from = 0.0;
    let output = area.show_viewport(ui, |ui, viewport| {
        drawn_from = viewport.min.y;
        ui.set_height(layout.total());
        let lang = super::lang(ui.ctx());
        ui.ctx().accesskit_node_builder(ui.unique_id(), |node| {
            node.set_role(Role::List);
            node.set_label(lang.tr("messages-list"));
        });
        let top = ui.max_rect().top();
        let left = ui.max_rect().left();
        let first = layout
            .offsets
            .partition_point(|&y| y <= viewport.min.y)
            .saturating_sub(1);
        layout.first_shown = first;
        let mut changed = false;
        for (index, entry) in model.entries.iter().enumerate().skip(first) {
            let y = layout.offsets[index];
            if y > viewport.max.y {
                break;
            }
            if !has_row(entry) {
                continue;
            }
            let rect = egui::Rect::from_min_size(
                egui::pos2(left, top + y),
                Vec2::new(width, f32::INFINITY),
            );
            let (transfer, thumb) = match &entry.kind {
                EntryKind::File(offer) => (
                    model.transfers.get(&offer.file),
                    pictures.thumbs.get(&offer.sha256),
                ),
                _ => (None, None),
            };
            let row = Row {
                entry,
                me: &model.me,
                transfer,
                thumb,
                prev: index.checked_sub(1).map(|i| &model.entries[i]),
                marker: (model.marker == Some(index)).then_some(model.marker_kind),
                highlight: layout.highlight == Some(index),
                rights,
                editable: entry.id.is_some_and(|id| model.editable.contains(&id)),
                people: &model.people,
            };
            // Known by its key, not its place (egui's own child ids count the children before):
            // older pages arrive above it.
            let builder = UiBuilder::new()
                .max_rect(rect)
                .scope_id(ui.scope_id().with(("message-row", entry.key)))
                .accessibility_role(Role::ListItem);
            let drawn = ui
                .scope_builder(builder, |ui| {
                    let chosen = if row.highlight {
                        let fill = ui.visuals().selection.bg_fill.gamma_multiply(0.35);
                        Frame::new()
                            .fill(fill)
                            .show(ui, |ui| row_ui(ui, &row, dark))
                            .inner
                    } else {
                        row_ui(ui, &row, dark)
                    };
                    if let Some(chosen) = chosen {
                        action = Some(chosen);
                    }
                })
                .response
                .rect
                .height()
                + spacing;
            if (drawn - layout.heights[index]).abs() > 0.5 {
                layout.heights[index] = drawn;
                changed = true;
            }
        }
        if changed {
            // Measured heights replace estimates once; the next frame places rows exactly.
            layout.dirty = true;
            ui.ctx().request_repaint();
        }
    });
    ui.spacing_mut().scroll.kinetic.rubber_band = rubber_band;
    // The scroll area moves after its rows are drawn when it sticks to the bottom of a list that
    // grew or a window that was enlarged: what shows is then not what was drawn. Draw again now,
    // rather than when the mouse next moves.
    if (output.state.clamped_offset().y - drawn_from).abs() > 0.5 {
        ui.ctx().request_repaint();
    }
    // Scrolled to the top (or a list too short to scroll): the page before comes on its own, as
    // it would in any chat. Each page keeps the rows in view where they were, so this ends when
    // the list fills the view or the room has nothing older.
    if output.state.clamped_offset().y <= 1.0
        && model.more_older
        && !model.loading_older
        && !jumping_up
    {
        action = action.or(Some(Action::Room(RoomAction::LoadOlder)));
    }
    let bottom_gap =
        output.content_size.y - (output.state.clamped_offset().y + output.inner_rect.height());
    layout.at_bottom = bottom_gap <= 4.0;
    if layout.at_bottom {
        layout.unseen = 0;
    } else {
        layout.unseen += grew;
    }

    if let Some(large) = &pictures.large {
        action = super::pictures::large_ui(ui, large).or(action);
    }
    if layout.unseen > 0 {
        let rect = output.inner_rect;
        let anchor = egui::pos2(rect.center().x, rect.bottom() - 12.0);
        egui::Area::new(egui::Id::unique("new_messages"))
            .fixed_pos(anchor)
            .pivot(egui::Align2::CENTER_BOTTOM)
            .show(ui.ctx(), |ui| {
                let text = tr!(super::lang(ui.ctx()), "new-messages", count = layout.unseen);
                let button =
                    egui::Button::new(RichText::new(text).strong()).wrap_mode(TextWrapMode::Extend);
                if ui.add(button).clicked() {
                    layout.jump_to_bottom();
                    layout.return_focus = true;
                    ui.ctx().request_repaint();
                }
            });
    }
    action
}

/// What a screen reader says of an entry: who, then what (the words on screen, in one line).
pub fn spoken(entry: &Entry, me: &str, lang: Lang) -> String {
    match &entry.kind {
        EntryKind::Chat {
            from, text, action, ..
        } => {
            if *action {
                format!("* {from} {text}")
            } else {
                format!("{from}: {text}")
            }
        }
        EntryKind::Private {
            from,
            to,
            text,
            own,
            ..
        } => {
            let who = private_who(from, to, *own, lang);
            format!("{} {who} {text}", lang.tr("private-tag"))
        }
        EntryKind::Notice(text) | EntryKind::Error(text) | EntryKind::Plain(text) => text.clone(),
        EntryKind::File(offer) => crate::model::chat::file_offer_text(offer, me, lang),
    }
}

/// "you -> bob:" or "bob -> you:": who a private message is between.
fn private_who(from: &str, to: &str, own: bool, lang: Lang) -> String {
    if own {
        tr!(lang, "private-to", name = to)
    } else {
        tr!(lang, "private-from", name = from)
    }
}

/// The newest entry that is not the person's own, spoken, in a polite live region: a screen
/// reader says it when it changes (a new message), after what it is saying now. Nothing on screen.
fn announce_ui(ui: &egui::Ui, model: &ChatModel) {
    let Some(newest) = model
        .entries
        .iter()
        .rev()
        .take(50)
        .find(|e| !e.is_from(&model.me))
    else {
        return;
    };
    let lang = super::lang(ui.ctx());
    ui.ctx()
        .accesskit_node_builder(ui.unique_id().with("new-message"), |node| {
            node.set_role(Role::Status);
            node.set_live(Live::Polite);
            node.set_label(spoken(newest, &model.me, lang));
        });
}

/// Above the list: where the room's older messages are (load more, loading; and, once the first
/// row is in view, that it is the beginning).
fn older_ui(ui: &mut egui::Ui, model: &ChatModel, at_top: bool, action: &mut Option<Action>) {
    // Only a room that keeps ids (JSON) has pages; the entries are looked through (for the
    // beginning's line) only with the first row in view, not at every frame.
    let lang = super::lang(ui.ctx());
    if model.loading_older {
        ui.weak(lang.tr("older-loading"));
    } else if model.more_older {
        if ui.small_button(lang.tr("older-load")).clicked() {
            *action = Some(Action::Room(RoomAction::LoadOlder));
        }
    } else if at_top && model.oldest_id().is_some() {
        ui.weak(lang.tr("older-beginning"));
    }
}

/// One row to draw: the entry and what decides its headings.
struct Row<'a> {
    entry: &'a Entry,
    /// Your name, for how a file offer reads.
    me: &'a str,
    /// This app's transfer of the file, for a file offer.
    transfer: Option<&'a TransferState>,
    /// The picture's thumbnail, for the offer of a picture.
    thumb: Option<&'a Thumb>,
    /// The entry before it, if any.
    prev: Option<&'a Entry>,
    /// The marker line goes above it, saying this.
    marker: Option<MarkerKind>,
    /// Drawn highlighted (jumped to from a search), with its name and time.
    highlight: bool,
    /// What this person may do with the room's messages.
    rights: Rights,
    /// It is yours, sent on the connection now: its menu offers Edit and Delete.
    editable: bool,
    /// Who is in the room, for mentions.
    people: &'a [String],
}

/// What a person may do with the messages on screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rights {
    /// One of the host's moderators: a room message's menu offers Delete.
    pub moderator: bool,
    /// A live Coucou room's messages (not a direct conversation's): reply and react.
    pub changes: bool,
}

impl Row<'_> {
    /// The day heading above this row, where the day changes.
    fn new_day(&self) -> Option<chrono::NaiveDate> {
        let day = local_day(self.entry.time)?;
        match self.prev.and_then(|p| local_day(p.time)) {
            Some(prev) if prev == day => None,
            _ => Some(day),
        }
    }

    /// True when this message continues the previous one's group (same person, soon after, no
    /// heading between): its name and time are not repeated.
    fn continues(&self, new_day: bool) -> bool {
        // A row shown from a search says who and when, whatever is above it.
        let (Some(prev), false, None, false) = (self.prev, new_day, self.marker, self.highlight)
        else {
            return false;
        };
        // A reply says who answers, under its quote.
        if matches!(self.entry.kind, EntryKind::Chat { reply: Some(_), .. }) {
            return false;
        }
        match (&prev.kind, &self.entry.kind) {
            (
                EntryKind::Chat {
                    from: a,
                    action: false,
                    ..
                },
                EntryKind::Chat {
                    from: b,
                    action: false,
                    ..
                },
            ) => a == b && self.entry.time.saturating_sub(prev.time) <= GROUP_WITHIN_MS,
            _ => false,
        }
    }
}

/// One entry: headings above it, then time, who, what; links clickable, your own lines and
/// mentions tinted; a context menu on messages.
fn row_ui(ui: &mut egui::Ui, row: &Row<'_>, dark: bool) -> Option<Action> {
    let entry = row.entry;
    let new_day = row.new_day();
    if let Some(day) = new_day {
        ui.vertical_centered(|ui| {
            ui.label(
                RichText::new(day_heading(day, super::lang(ui.ctx())))
                    .strong()
                    .small(),
            );
        });
    }
    if let Some(kind) = row.marker {
        let colour = ui.visuals().warn_fg_color;
        let text = super::lang(ui.ctx()).tr(match kind {
            MarkerKind::SinceYouLooked => "marker-since-looked",
            MarkerKind::SinceYourLastVisit => "marker-since-visit",
        });
        ui.horizontal(|ui| {
            ui.label(RichText::new(text).color(colour).small());
            let rest = ui.available_rect_before_wrap();
            let y = rest.center().y;
            ui.painter().hline(rest.x_range(), y, (1.0, colour));
        });
    }
    let continues = row.continues(new_day.is_some());
    let visuals = ui.visuals();
    let fill = if entry.mention {
        super::mention_fill(visuals)
    } else if matches!(entry.kind, EntryKind::Chat { own: true, .. }) {
        visuals.selection.bg_fill.gamma_multiply(0.25)
    } else {
        Color32::TRANSPARENT
    };
    let weak = visuals.weak_text_color();
    let error = visuals.error_fg_color;
    let mut responses = Vec::new();
    let mut chosen = None;
    let frame = Frame::NONE
        .fill(fill)
        .inner_margin(egui::Margin::symmetric(4, 1))
        .corner_radius(3.0)
        .show(ui, |ui| {
            if let EntryKind::Chat {
                reply: Some(quote), ..
            } = &entry.kind
            {
                let lang = super::lang(ui.ctx());
                ui.horizontal(|ui| {
                    ui.add_space(time_width(ui));
                    responses.push(relations::quote_ui(ui, quote, lang, &mut chosen));
                });
            }
            ui.horizontal_wrapped(|ui| {
                ui.spacing_mut().item_spacing.x = 6.0;
                let time = local_hour_minute(entry.time);
                if continues {
                    // Under the previous line's name: as wide as its time, left blank.
                    let blank = RichText::new("     ").monospace();
                    ui.label(blank);
                } else if !time.is_empty() {
                    ui.label(RichText::new(time).color(weak).monospace());
                }
                match &entry.kind {
                    EntryKind::Chat {
                        from,
                        text,
                        action,
                        edited,
                        ..
                    } => {
                        if !continues {
                            let name = RichText::new(if *action {
                                format!("* {from}")
                            } else {
                                format!("{from}:")
                            })
                            .color(name_colour(from, dark))
                            .strong();
                            responses.push(ui.label(name));
                        }
                        text_ui(ui, (text, row.people), *action, &mut responses, &mut chosen);
                        if *edited {
                            relations::edited_ui(ui, super::lang(ui.ctx()));
                        }
                    }
                    // Never drawn here: see `has_row`.
                    EntryKind::Private { .. } => {}
                    EntryKind::Notice(text) if text.contains('\n') => {
                        // Several lines (the help): monospace keeps its columns.
                        ui.label(RichText::new(text).color(weak).monospace());
                    }
                    EntryKind::Notice(text) => {
                        ui.label(RichText::new(text).color(weak).italics());
                    }
                    EntryKind::Error(text) => {
                        ui.label(RichText::new(format!("! {text}")).color(error));
                    }
                    EntryKind::Plain(text) => {
                        plain_line_ui(ui, text, dark, &mut responses, &mut chosen);
                    }
                    EntryKind::File(offer) if shows_inline(offer) => {
                        let lang = super::lang(ui.ctx());
                        let caption = crate::model::chat::file_offer_text(offer, row.me, lang);
                        let card = |ui: &mut egui::Ui| file_ui(ui, offer, row.me, row.transfer);
                        let (thumb, transfer) = (row.thumb, row.transfer);
                        if let Some(action) =
                            picture_ui(ui, (offer, caption), thumb, transfer, card)
                        {
                            chosen = Some(action);
                        }
                    }
                    EntryKind::File(offer) => {
                        if let Some(action) = file_ui(ui, offer, row.me, row.transfer) {
                            chosen = Some(action);
                        }
                    }
                }
            });
            if let (EntryKind::Chat { reactions, .. }, Some(id)) = (&entry.kind, entry.id)
                && !reactions.is_empty()
            {
                ui.horizontal(|ui| {
                    ui.add_space(time_width(ui));
                    let can = row.rights.changes;
                    if let Some(action) = relations::reactions_ui(ui, (id, reactions), row.me, can)
                    {
                        chosen = Some(action);
                    }
                });
            }
        });
    // Notices and errors have no menu; messages get one on every part of the row.
    if !matches!(entry.kind, EntryKind::Notice(_) | EntryKind::Error(_)) {
        responses.push(frame.response);
        for response in responses {
            // The menu is built only while it is open.
            response.context_menu(|ui| {
                if let (EntryKind::Chat { reactions, .. }, Some(id), true) =
                    (&entry.kind, entry.id, row.rights.changes)
                {
                    if let Some(action) = relations::react_row_ui(ui, id, reactions, row.me) {
                        chosen = Some(action);
                        ui.close();
                    }
                    ui.separator();
                }
                for (label, item) in message_menu(row, super::lang(ui.ctx())) {
                    if ui.button(label).clicked() {
                        chosen = Some(item);
                        ui.close();
                    }
                }
            });
        }
    }
    chosen
}

/// How wide a row's time is ("14:05" in monospace, and the gap after it): what a reply's quote
/// and a message's reactions are indented by, to stand under its text.
fn time_width(ui: &egui::Ui) -> f32 {
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let digit = ui.fonts_mut(|f| f.glyph_width(&font, '0'));
    5.0 * digit + 6.0
}

/// True for the offer of a picture that shows in the conversation.
fn shows_inline(offer: &FileOffer) -> bool {
    preview::shows_inline(&offer.name, offer.size, &offer.sha256)
}

/// A file offer: what it is, then Download, or how far its transfer is (with Cancel), or where it
/// was saved, or why it stopped (with Retry).
fn file_ui(
    ui: &mut egui::Ui,
    offer: &FileOffer,
    me: &str,
    transfer: Option<&TransferState>,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let text = crate::model::chat::file_offer_text(offer, me, lang);
    ui.label(RichText::new(text).strong());
    let own = offer.from == me;
    match transfer.map(|t| (t, &t.status)) {
        None if own => {}
        None => {
            if ui.button(lang.tr("file-download")).clicked() {
                action = Some(Action::File(FileAction::Accept(offer.file)));
            }
            if ui.button(lang.tr("file-save-as")).clicked() {
                action = Some(Action::File(FileAction::SaveAs(offer.file)));
            }
        }
        Some((t, TransferStatus::Starting | TransferStatus::Running)) => {
            progress_ui(ui, t, lang);
            if ui.small_button(lang.tr("cancel")).clicked() {
                action = Some(Action::File(FileAction::Cancel(offer.file)));
            }
        }
        Some((_, TransferStatus::Done(Some(path)))) => {
            ui.weak(tr!(lang, "file-saved", path = path.display().to_string()));
            if ui.small_button(lang.tr("file-open")).clicked() {
                action = Some(Action::File(FileAction::Open(path.clone())));
            }
            if let Some(folder) = path.parent()
                && ui.small_button(lang.tr("file-show-folder")).clicked()
            {
                action = Some(Action::File(FileAction::Open(folder.to_path_buf())));
            }
        }
        Some((_, TransferStatus::Done(None))) => {
            ui.weak(lang.tr("file-sent"));
        }
        Some((t, TransferStatus::Failed(why))) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                tr!(lang, "file-stopped", why = why.describe(lang)),
            );
            if t.direction == Direction::Down && ui.small_button(lang.tr("file-retry")).clicked() {
                action = Some(Action::File(FileAction::Accept(offer.file)));
            }
        }
    }
    action
}

/// What a message's context menu offers: copy its text, copy its first link, quote it in the
/// input line, reply privately to its author. Nothing for notices and errors.
fn message_menu(row: &Row<'_>, lang: Lang) -> Vec<(String, Action)> {
    let (entry, rights) = (row.entry, row.rights);
    let mut menu = Vec::new();
    if let (EntryKind::Chat { from, text, .. }, Some(id), true) =
        (&entry.kind, entry.id, rights.changes)
    {
        let quote = Quote::of(id, from, text);
        menu.push((
            lang.tr("menu-reply"),
            Action::Room(RoomAction::ReplyTo(quote)),
        ));
        if row.editable {
            let edit = RoomAction::Edit {
                id,
                text: text.clone(),
            };
            menu.push((lang.tr("menu-edit"), Action::Room(edit)));
            let delete = RoomAction::Change(Command::Delete(id));
            menu.push((lang.tr("menu-delete"), Action::Room(delete)));
        }
    }
    menu.extend(message_menu_items(entry, lang));
    // A room message (or file offered to the room) a moderator may take out, by its id.
    match (&entry.kind, entry.id) {
        (EntryKind::Chat { .. }, Some(id)) | (EntryKind::File(_), Some(id))
            if rights.moderator && !row.editable =>
        {
            menu.push((
                lang.tr("mod-delete"),
                Action::Room(RoomAction::Moderate(Moderate {
                    id: Some(id),
                    ..Moderate::alone(Act::Delete)
                })),
            ));
        }
        _ => {}
    }
    menu
}

/// What anyone may do with a message from its menu: copy, quote, reply privately.
fn message_menu_items(entry: &Entry, lang: Lang) -> Vec<(String, Action)> {
    let (from, text) = match &entry.kind {
        // A picture's thumbnail has no buttons beside it.
        EntryKind::File(offer) if shows_inline(offer) => {
            let (download, save) = (
                FileAction::Accept(offer.file),
                FileAction::SaveAs(offer.file),
            );
            return vec![
                (lang.tr("file-download"), Action::File(download)),
                (lang.tr("file-save-as"), Action::File(save)),
            ];
        }
        EntryKind::File(_) => return Vec::new(),
        EntryKind::Chat { from, text, .. } => (Some(from.as_str()), text.as_str()),
        EntryKind::Private {
            from, text, own, ..
        } => ((!own).then_some(from.as_str()), text.as_str()),
        EntryKind::Plain(text) => (None, text.as_str()),
        EntryKind::Notice(_) | EntryKind::Error(_) => return Vec::new(),
    };
    let mut menu = vec![(lang.tr("menu-copy-text"), Action::Copy(text.to_owned()))];
    if let Some(link) = text.split(' ').find(|w| is_link(w)) {
        menu.push((lang.tr("menu-copy-link"), Action::Copy(link.to_owned())));
    }
    let quoted = match from {
        Some(from) => format!("> {from}: {text}"),
        None => format!("> {text}"),
    };
    menu.push((
        lang.tr("menu-quote"),
        Action::Room(RoomAction::Quote(quoted)),
    ));
    if let Some(from) = from {
        menu.push((
            lang.tr("menu-reply-privately"),
            Action::Room(RoomAction::StartPrivate(from.to_owned())),
        ));
    }
    menu
}

/// A plain server's line: `name: text` gets the name's colour; notices (`*** `, or `* ` from
/// other servers) and errors (`! `) are dimmed.
fn plain_line_ui(
    ui: &mut egui::Ui,
    text: &str,
    dark: bool,
    responses: &mut Vec<egui::Response>,
    clicked: &mut Option<Action>,
) {
    if text.starts_with("* ") || text.starts_with("*** ") || text.starts_with("! ") {
        ui.label(
            RichText::new(text)
                .color(ui.visuals().weak_text_color())
                .italics(),
        );
        return;
    }
    match text.split_once(": ") {
        Some((name, rest))
            if !name.is_empty() && !name.contains(' ') && name.chars().count() <= 30 =>
        {
            responses.push(
                ui.label(
                    RichText::new(format!("{name}:"))
                        .color(name_colour(name, dark))
                        .strong(),
                ),
            );
            text_ui(ui, (rest, &[]), false, responses, clicked);
        }
        _ => text_ui(ui, (text, &[]), false, responses, clicked),
    }
}

/// A message's text as its sender formatted it ([`markup`]): bold, italic, code, links (a click
/// opens the link through the app, which says so when no browser can) and mentions of people
/// here. Each stretch between links is one label; a link is a widget of its own (a screen reader
/// finds it). `italic`: all of it (an action).
fn text_ui(
    ui: &mut egui::Ui,
    (text, people): (&str, &[String]),
    italic: bool,
    responses: &mut Vec<egui::Response>,
    clicked: &mut Option<Action>,
) {
    // A stretch's pieces, drawn as one label when a link (or the end) comes; the spaces at its
    // two ends are the gap between widgets.
    let mut stretch: Vec<(&str, egui::TextFormat)> = Vec::new();
    let flush =
        |ui: &mut egui::Ui, stretch: &mut Vec<(&str, egui::TextFormat)>, out: &mut Vec<_>| {
            let mut job = egui::text::LayoutJob::default();
            let last = stretch.len().saturating_sub(1);
            for (i, (piece, format)) in stretch.drain(..).enumerate() {
                let piece = if i == 0 { piece.trim_start() } else { piece };
                let piece = if i == last { piece.trim_end() } else { piece };
                job.append(piece, 0.0, format);
            }
            if !job.text.is_empty() {
                out.push(ui.label(job));
            }
        };
    for span in markup::spans(text, people) {
        match span {
            Span::Link(link) => {
                flush(ui, &mut stretch, responses);
                let response = ui.link(link).on_hover_text(link);
                if response.clicked() {
                    *clicked = Some(Action::OpenUrl(link.to_owned()));
                }
                responses.push(response);
            }
            Span::Mention(name) => {
                let mut format = span_format(ui, Style::default(), italic);
                format.color = ui.visuals().hyperlink_color;
                stretch.push((name, format));
            }
            Span::Text(text, style) => stretch.push((text, span_format(ui, style, italic))),
        }
    }
    flush(ui, &mut stretch, responses);
}

/// How a span of a message looks: bold is the theme's strong colour (the app's font has one
/// weight), code is monospace on the code background.
fn span_format(ui: &egui::Ui, style: Style, italic: bool) -> egui::TextFormat {
    let visuals = ui.visuals();
    let text_style = if style.code {
        egui::TextStyle::Monospace
    } else {
        egui::TextStyle::Body
    };
    egui::TextFormat {
        font_id: text_style.resolve(ui.style()),
        color: if style.bold {
            visuals.strong_text_color()
        } else {
            visuals.text_color()
        },
        italics: italic || style.italic,
        background: if style.code {
            visuals.code_bg_color
        } else {
            Color32::TRANSPARENT
        },
        ..egui::TextFormat::default()
    }
}
