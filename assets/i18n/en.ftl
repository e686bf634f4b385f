# Coucou's words in English. Every key here is also in fr.ftl (a test checks it).
# Arguments: $name, $count… are filled in by the program; names come already cleaned.

## Counts and dates

people-count = { $count ->
    [one] { $count } person
   *[other] { $count } people
}
rooms-count = { $count ->
    [one] { $count } room
   *[other] { $count } rooms
}
date-long = { $weekday }, { $month } { $day }, { $year }
date-short = { $month } { $day }, { $year }
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
month-short-1 = Jan
month-short-2 = Feb
month-short-3 = Mar
month-short-4 = Apr
month-short-5 = May
month-short-6 = Jun
month-short-7 = Jul
month-short-8 = Aug
month-short-9 = Sep
month-short-10 = Oct
month-short-11 = Nov
month-short-12 = Dec

## The server, as plain clients read it (after "*** ")

plain-welcome = Welcome to { $room }, { $name }!
plain-recent = Recent messages:
plain-type-help = Type /help for commands, exit to leave.
plain-private = private
plain-joined = { $name } joined the room
plain-left = { $name } left the room
plain-left-closed = { $name } left the room (connection closed)
plain-left-slow = { $name } was disconnected (not reading messages fast enough)
plain-renamed = { $old } is now known as { $new }
plain-here = { $count ->
    [one] 1 person here: { $names }
   *[other] { $count } people here: { $names }
}
plain-who-away = { $name } (away)
plain-who-away-reason = { $name } (away: { $reason })
plain-who-idle = { $name } (idle)
plain-away = { $name } is away
plain-away-reason = { $name } is away: { $reason }
plain-away-idle = { $name } is away (idle)
plain-back = { $name } is back
plain-rooms = { $count ->
    [one] 1 room:
   *[other] { $count } rooms:
}
plain-room-line = { $joined ->
    [yes] > { $room }
   *[no] { "  " }{ $room }
} ({ $count ->
    [one] 1 person
   *[other] { $count } people
})
plain-topic = Topic: { $topic }
plain-topic-none = This room has no topic.
plain-topic-set = { $name } set the topic: { $topic }
plain-topic-cleared = { $name } cleared the topic
plain-room-protected = (password)
plain-room-made = The room { $room } is open: /join { $room } to go there
plain-room-made-by = { $name } made the room { $room }: /join { $room } to go there
plain-password = This room has a password: type it on the next line.
plain-password-ok = Password accepted.
plain-found = { $count ->
    [0] Nothing found for "{ $words }".
    [one] 1 message found for "{ $words }":
   *[other] { $count } messages found for "{ $words }", newest first:
}
plain-found-tag = found

## The server's notices

notice-name-variant = The name { $wanted } is taken, so you are { $name } here (/nick to change it).
notice-bye = Au revoir, { $name }!
notice-bonjour = Bonjour { $name } !
notice-stopping = The server is stopping. Goodbye!
notice-sites-unreachable = The other sites are unreachable: this room goes on here, and what is said here reaches them once they are back.
notice-sites-back = The other sites are reachable again.

## The help

help-title = Commands:
help-usage-who = /who
help-usage-me = /me <action>
help-usage-msg = /msg <name> <text>
help-usage-nick = /nick <name>
help-usage-away = /away [reason]
help-usage-back = /back
help-usage-search = /search <words>
help-usage-help = /help
help-usage-quit = /quit, exit
help-usage-slash = //text
help-usage-rooms = /rooms
help-usage-join = /join <room>
help-usage-part = /part
help-usage-topic = /topic [text]
help-who = who is in the room
help-me = say what you are doing
help-msg = a private message only the two of you see
help-nick = change your name
help-away = say you are away (and why); private messages get your reason back
help-back = say you are back
help-search = find messages in the room's history
help-help = this list
help-quit = leave
help-slash = send a message that starts with /
help-rooms = the host's rooms
help-join = go to another room
help-part = go back to the main room
help-topic = show or set the room's topic

## The server's errors (after "! ")

error-unknown-command = unknown command /{ $command } (type /help for the list)
error-usage = usage: { $usage }
error-line-too-long = that line is over { $max } bytes
error-version = this server speaks version { $version } of the protocol only; use an app of the same version
error-hello-first = say hello first
error-malformed = not a valid message: { $detail }
error-tls-required = this room accepts only encrypted connections: use the Coucou app, or `openssl s_client -quiet -connect HOST:PORT`
error-device-clear = a device is proved over TLS only; closing
error-device-malformed = the device's key or signature is malformed; closing
error-device-forged = the device's signature is not its key's own for this connection; closing
error-name-try-another = { $problem }; try another name
error-room-full = the room is full (limit: { $max } people); try again later
error-no-name = no name received within { $seconds } s; closing
error-password-needs-tls = this room has a password, which is asked only over an encrypted connection: use the Coucou app, or `openssl s_client -quiet -connect HOST:PORT` and type the password after your name
error-too-many-attempts = too many wrong passwords from your address; try again in { $minutes } min
error-wrong-password = wrong password (or someone is in the middle of your connection); closing
error-wrong-room-password = wrong password for the room (or someone is in the middle of your connection)
error-no-exchange = no password was asked of you for the room { $room }: join it first
error-password-busy = the password could not be checked in time (the host is busy); try again
error-no-password = no password received within { $seconds } s of connecting; closing
error-flood = you are { $what ->
    [naming] trying names
    [renaming] renaming
    [joining] joining and leaving rooms
    [asking] asking
    [searching] searching
    [typing] typing
   *[sending] sending
} too fast; this was not done (wait { $seconds } s)
error-message-too-long = message too long: the limit is { $max } bytes; it was not sent
error-search-too-long = search too long: the limit is { $max } bytes; nothing was searched
error-away-too-long = away reason too long: the limit is { $max } bytes; nothing changed
error-already-joined = you have already joined (hello and password come first)
error-bad-cid = a cid is 1 to { $max } letters, digits, - or _; this was not sent
error-empty = that message shows nothing once invisible characters are removed; it was not sent
error-no-such-user = nobody called { $name } is here
error-join-which = join_room needs the room's name in "room"
error-no-such-room = this host has no room called { $room } (type /rooms for the list)
error-files-main-room = files are offered and fetched in the main room only, for now
error-not-in-room = you are not in the room { $room }
error-already-in-room = you are already in the room { $room }
error-too-many-joined = you are in { $max } rooms already: leave one first
error-default-room = the main room can't be left this way (type /quit to leave)
error-rooms-full = this host has { $max } rooms already
error-topic-too-long = a topic is at most { $max } bytes
error-room-name = bad room name: { $reason }
error-room-password-needed = the room { $room } has a password: type /join { $room } <password> over an encrypted connection (openssl s_client); an app asks for it
error-history-unavailable = the room's history can't be read right now; try again later
error-privates-no-device = only an app the host knows by its device gets its private messages back
error-evicted = the server is busy: too many connections were waiting without a name, and yours waited longest; connect again
error-too-many-from-address = too many connections from your address are waiting to join; give a name on one of them, or try again in a moment
error-too-many-waiting = too many connections are waiting to join; try again in a moment

## Names

name-too-short = a name needs at least { $min } characters
name-too-long = a name has at most { $max } characters
name-space = a name can't contain spaces
name-bad-char = a name can only use letters, digits, '_', '-' and '.' ({ $code } is not allowed)
name-mixed-scripts = a name must use letters of only one script
name-no-letter = a name needs at least one letter or digit
name-reserved = that name is reserved
name-taken = the name is taken: { $existing } is here
name-kept = the name { $existing } is kept for the device that had it, away for now

## The conversation

chat-from-log = Above: from this computer's log (the room no longer has it).
chat-joined = { $name } joined
chat-left = { $name } left
chat-left-closed = { $name } left (connection closed)
chat-left-slow = { $name } was disconnected (not reading fast enough)
chat-renamed = { $old } is now known as { $new }
chat-here = { $count ->
    [one] 1 here: { $names }
   *[other] { $count } here: { $names }
}
chat-away-reply = { $name } is { $state }
chat-you-away = You are { $state }.
chat-you-back = You are back.
away-with-reason = away: { $reason }
away-idle = idle
away-plain = away

## Words used in many places

ok = OK
cancel = Cancel
close = Close
copy = Copy
keep = Keep
save = Save
send = Send
rejoin = Rejoin
disconnect = Disconnect
settings = Settings
toolbar-more = More
keep-hosting = Keep hosting
reconnected = Reconnected.
disconnected = Disconnected.

## The toolbar

choice-label = { $label }: { $value }

host-toggle = Host a room
host-toggle-off-hint = Stop hosting the room
host-toggle-on-hint = Run a room on this computer for your network
host-room = Room
host-port = Host port
host-closing = Closing the room…
host-opening = Opening the room…
room-options = Room options
room-password-change = This room has a password. Type a new one, or leave it empty and press Set to remove it.
room-password-new = A password for the room (only its hash is kept):
room-password = Password
room-password-set = Set
room-encrypted-only = Encrypted only
room-encrypted-only-hint = Turn away apps and terminals that connect in clear
room-keep-history = Keep the history when the room closes
room-keep-history-hint = Newcomers get the conversation from before, after a restart
room-keep-messages = Keep messages
room-keep-count = How many
keep-forever = forever
keep-year = for a year
keep-days = for { $days } days
keep-no-limit = no limit
keep-last = the last { $count }
export-transcript = Export transcript…
settings-language = Language
settings-language-system = System ({ $language })
settings-theme = Theme
theme-system = System
theme-dark = Dark
theme-light = Light
settings-text-size = Text size
text-smaller = Smaller (Ctrl -)
text-larger = Larger (Ctrl +)
text-reset = Reset
text-size-points = { $size } pt
settings-notifications = Notifications
notify-mentions = Mentions and private messages
notify-all = Every message
notify-off = None
settings-away-after = Away after
settings-journal-keep = This computer keeps conversations
away-after-never = never
away-after-minutes = { $minutes } min without input
settings-discovery = Find and announce rooms on the network
settings-device = This app's device:
settings-device-hint = The hosts you join know this app by it: they keep your name for you while you are away, and a host's owner can be this app (coucou server --owner, with the id this button copies).
settings-device-copy = Copy its id
header-hosted = { $people } · hosted here on { $addrs }
copy-address = Copy { $address }
check-addresses = Check addresses
check-addresses-hint = Tests whether the room answers on each address
room-code = Room code:
room-code-hint = People joining for the first time are shown this code: read it to them
room-how-encrypted-only = encrypted only
room-how-either = encrypted or in clear
room-how-password = password
room-link = Link with other sites (NATS broker)
room-link-hint = Servers that share a NATS broker with JetStream make one room: the same messages, the same people. Empty: this room alone. Applied when the room is next hosted.
room-link-set = Use
room-link-example = nats://10.0.0.5:4222
room-how-linked = linked with other sites through { $url }
host-link-invalid = That is not a broker's address: nats://host:port
reconnecting-in = Connection lost. Reconnecting in { $seconds } s…
reconnect-now = Reconnect now
reconnect-last-try = Last try: { $failure }
status = Status
status-available = Available
status-away = Away
status-idle = Idle
status-reason = Away because
status-reason-hint = lunch, meeting…
status-set-away = Set
status-away-because = Away: { $reason }
confirm-host-on-title = Leave this room to host one?
confirm-host-on-text = You are in { $room }. Hosting a room of your own leaves it (its conversation stays until you close it).
confirm-host-on-yes = Leave and host
confirm-host-on-no = Stay
confirm-quit-title = Quit and close the room?
confirm-quit-text = You are hosting { $room } and { $others ->
    [one] 1 other person is
   *[other] { $others } other people are
} in it. Quitting closes the room for everyone.
confirm-quit-yes = Quit and close the room
confirm-host-off-title = Close the room?
confirm-host-off-text = { $others ->
    [one] 1 other person is
   *[other] { $others } other people are
} connected. They will be told the room is closing.
confirm-host-off-yes = Close the room
export-title = Export transcript
save-fallback-text = The system's save dialog could not open. Save the transcript as:
save-file = File
save-filter-text = Text
export-days-text = Every message this computer saw in this room, from the first day to the last:
export-from = From
export-to = To
export-day-hint = YYYY-MM-DD
export-button = Export…

## The chat screen

people = People
people-elsewhere = (other site)
people-heading = People ({ $count })
people-not-listed = This server does not list who is here.
people-unknown = Not connected: who is here is not known.
people-click-hint = Click a name to write to them alone.
people-you = you
typing-one = { $name } is typing…
typing-two = { $first } and { $second } are typing…
typing-many = { $count } people are typing…
outbox-sending = Sending…
outbox-waiting = Not sent yet: these go out when the connection is back.
outbox-sending-one = sending…
composer-hint = Enter to send
composer-hint-room = to { $room } — Enter to send, /help for commands
composer-message = Message
composer-recall-hint = Up/Down recalls what you sent
composer-bytes = { $used } / { $max } bytes
composer-too-long = { $bytes } — too long to send
older-loading = Loading older messages…
older-load = Load older messages
older-beginning = The beginning of the room's history
marker-since-looked = New since you last looked
marker-since-visit = New since your last visit
new-messages = { $count ->
    [one] 1 new message - show
   *[other] { $count } new messages - show
}
column-rooms = Rooms
column-more-rooms = More rooms on this host
column-room-people = { $count ->
    [one] { $count } person
   *[other] { $count } people
}
column-room-password = password
column-room-password-hint = This room has a password: type it, then Join. It never leaves this computer: the app proves it knows it, over the encrypted connection only.
room-join = Join
room-join-label = Join or make a room
room-join-hint = Its name, then Enter
room-leave = Leave room
header-direct = Direct messages with { $name }
room-joined = You joined { $room }.
host-rooms-none = This host has one room: it has no other rooms to join.
room-password-needs-encryption = The room { $room } has a password: it is joined over an encrypted connection only.
room-password-of = Password of the room { $room }
room-password-first = The room { $room } has a password: type it beside the room in the column, or /join { $room } followed by it.
room-parted = You left { $room }.
room-exists = There is a room { $room } already (or one whose name looks the same).
room-not-made = The room could not be made: { $error }
room-open-to-all = Anyone may make a room
room-open-to-all-hint = People make a room by joining a name that does not exist yet. Applied when the room is next hosted.
room-new = New room
room-new-hint = A room of this host: its name, then Add. People see it in their column.
room-add = Add
room-added = The room { $room } is open.
column-directs = Direct messages
column-directs-none = None yet: click a name to write to one person.
column-unread = { $count } new
column-unread-mention = { $count } new, you are named
messages-list = Messages
private-tag = private
private-to = you -> { $name }:
private-from = { $name } -> you:
menu-copy-text = Copy text
menu-copy-link = Copy link
menu-quote = Quote
menu-reply-privately = Reply privately
search-heading = Search the room
search-close = Close search
search-hint = words to find, Enter to search
search-button = Search
search-help = Case and accents don't matter: "cafe" finds "café".
search-searching = Searching…
search-nothing = Nothing found for "{ $words }".
search-count = { $count ->
    [one] 1 message; click it to see it in the conversation.
   *[other] { $count } messages, newest first; click one to see it.
}
search-show = Show it in the conversation
search-private = [private, with { $name }]
badge-verified = Encrypted, verified by password
badge-trusted = Encrypted, trusted on first use
badge-clear = Not encrypted
badge-verified-hint = Nobody else on the network can read this room, and the host proved it knows the room password: no one can be in the middle.
badge-trusted-hint = Nobody else on the network can read this room. The host is the one you trusted the first time (its code is pinned); check the code with the host to be sure.
badge-clear-hint = Anyone on this network can read what is said here, and a machine could pretend to be this room.
trust-title = Trust this room?
trust-first = This is your first connection to { $target }. Its code is:
trust-ask-host = Ask the host to read you the code shown in their Host panel (or printed by “coucou server”). If it is the same, trust the room: next time Coucou checks it for you.
trust-yes = Trust this room
mismatch-title = This room's identity changed
mismatch-text = { $target } did not show the identity you trusted before. Someone on the network may be pretending to be this room to read what you type. Nothing was sent.
mismatch-before = Trusted before: { $code }
mismatch-now = Shown now:      { $code }
mismatch-host-told-me = The host told me it changed (a new computer, a reinstall)
mismatch-trust-new = Trust the new identity

## The connect screen

delete-profile-title = Delete the profile "{ $name }"?
profile-exists = A profile called "{ $name }" exists already.
delete-profile-text = Its server, port and username will be forgotten.
delete-profile-yes = Delete profile
rooms-heading = Rooms on your network
rooms-discovery-off = Discovery is off (Settings).
rooms-none = None found yet.
rooms-hint = Click to fill the form, double-click to join
profiles-heading = Saved servers
profiles-none = None yet. Fill the form, then save it here.
profile-hint = { $name } at { $host }:{ $port }
profile-name = Profile name
profile-name-hint = e.g. Office
profile-save = Save profile
profile-selected = Selected: { $name }
profile-new-name = New name
profile-rename = Rename
profile-delete = Delete
form-heading = Join a room
form-username = Username
form-username-hint = your name
form-host = Host
form-port-label = Port
form-kind = Server kind
form-kind-coucou-hint = A Coucou server: people list, history, private messages.
form-kind-plain = Plain (nc-style)
form-kind-plain-hint = Any line-based chat server that nc can talk to.
form-kind-classic = Classic C server
form-kind-classic-hint = The original C chat: the name as a 32-byte block, each message on its own.
form-security = Security
form-encrypted = Encrypted
form-encrypted-hint = TLS: nobody else on the network can read the room. Untick only for an older Coucou server.
form-code-trusted = · room code trusted
form-password = Room password
form-password-hint = if the room has one
form-connecting = Connecting to { $target }…
form-connect = Connect
form-host-empty = Type the server's address, e.g. 192.168.1.20.
form-host-spaces = An address has no spaces.
form-port = The port is a number from 1 to 65535 (Coucou uses 4444).
diagnostics-heading = Can't find a room?
diagnostics-addresses-on = This computer's addresses (discovery running on each):
diagnostics-addresses-off = This computer's addresses (discovery off on each):
diagnostics-test = Test host and port
diagnostics-test-hint = Tries a connection to the host and port in the form
why-not-segment = Rooms are found with mDNS, which only reaches computers on the same network segment: a different subnet, a guest Wi-Fi or a VPN keeps rooms from showing up. Type the host's address instead.
why-not-firewall = A firewall on the host may block the room's TCP port (4444 by default) or mDNS (UDP port 5353).
why-not-bind = A room started with “coucou server --bind 127.0.0.1” only accepts this computer; rooms hosted from the app listen on every interface.
why-not-advertise = Headless servers are only listed when started with “--advertise”.
probe-answered = { $target } answered in { $ms } ms.
probe-failed = { $target } did not answer: { $why }
probe-not-a-host = that is not a host name or an address.
probe-unknown-name = no computer has that name here.
probe-no-address = no address to try.
probe-refused = nothing is listening on that port (connection refused).
probe-no-answer = no answer within { $seconds } s (a firewall, or another network).

## Connecting

connect-unknown-host = Can't find a computer called "{ $host }".
connect-nothing-listening = Nothing is answering at { $target } — is the server running?
connect-timed-out = No answer from { $target } within { $seconds } s — is the address right, and the port open?
connect-refused = The server said: { $message }.
connect-untrusted = First connection to this room: check its code { $code } with the host.
connect-pin-mismatch = This room's identity changed: it showed { $presented }, not { $pinned } as before. Someone may be impersonating it.
connect-pin-mismatch-none = This room's identity changed (it was { $pinned }).
connect-not-encrypted = { $target } did not answer encrypted — an older Coucou or a classic server? Untick Encrypted to connect in clear.
connect-password-needed = This room has a password: type it to join.
connect-password-not-proved = The room could not prove it knows the password: the password is wrong, or someone is in the middle of the connection.
connect-other = Could not connect: { $error }
connect-plain-server = The server answered “{ $said }”: it looks like a plain-text server. Choose the server kind Plain (nc-style).
trouble-closed = the server closed the connection
trouble-no-welcome = { $target } closed the connection without a welcome — is it a Coucou server?
trouble-password-twice = the server asked for the password twice
trouble-unasked-proof = the server answered a password nobody sent
trouble-bad-challenge = the server's password challenge was not well formed
trouble-password-in-clear = the server asked for the password over a connection in clear (it was not sent)
trouble-encryption = the encrypted connection failed ({ $detail })
trouble-no-certificate = the host showed no certificate
trouble-cancelled = cancelled
trouble-room-not-proved = The host could not prove it knows this room's password: the password is wrong, or someone is in the middle of the connection.
trouble-cut = the connection was cut
trouble-unreachable = the network can't reach the room
trouble-silent = the connection stopped answering
trouble-refused = nothing answers there any more
trouble-system = a network error ({ $kind })
chat-removed = Disconnected: { $why } Rejoin when you are ready.
moderator-now = You are a moderator on this host until you leave: right-click someone in the people list to kick, ban or mute them; the Moderation menu above the list has the rest.
moderator-room-now = You moderate this room: right-click someone in the people list to kick them out of it or mute them in it; the Moderation menu locks, slows or clears it, and a message's menu deletes.
moderator-no-more = You are no longer a moderator here: what a moderator does is no longer offered.
could-not-rejoin = Could not rejoin. { $error }
change-username = { $error } Change the username and connect again.
could-not-start = Could not start connecting: { $error }
connection-lost = Connection lost ({ $why }). Reconnecting…
you-left = You left the room.
not-sent-outbox-full = Not sent: { $count } messages are already waiting for the connection to come back.
not-sent-offline = Not sent: not connected.
not-reconnecting = Not reconnecting.
not-trusted = Not connected: the room's code was not trusted.
identity-changed = Not connected: the room's identity changed. Ask its host before trusting it.

## Hosting, files, links, settings

host-port-invalid = The host port is a number from 1 to 65535.
host-certificate = Could not use this computer's certificate: { $error }
host-port-in-use = Port { $port } is already in use on this computer — is another room running? Choose another port.
host-could-not-open = Could not open the room on port { $port }: { $error }
host-not-announced = { $error }; share the address instead.
host-loopback-only = Only this computer can join: it has no network address right now. Connect it to the network to let others in.
host-history-failed = The room's history can't be written any more (is the disk full?). The chat goes on; what is said from now on is not kept.
host-could-not-close = Could not close the room: { $error }
host-username-first = Type your username in the form first ({ $error }).
password-not-set = Password not set: { $error }.
identity-failed = Could not read or make this computer's certificate: { $error }
link-copied = No browser could open { $url }; the link was copied to the clipboard.
link-failed = Could not open the link: { $error }
you-closed-room = You closed the room.
settings-not-saved = Could not save your settings: { $error }
settings-unreadable = Your settings could not be read ({ $reason }). The file was kept as { $kept } and Coucou started with default settings.
settings-unreadable-kept = Your settings could not be read ({ $reason }) nor moved aside ({ $error }). Coucou started with default settings and will not save over { $path }.
settings-reset = Some settings could not be read and were set back to their defaults: { $names }.
transcript-header = Coucou transcript — { $room } — exported { $when }
transcript-saved = Transcript saved to { $path }
transcript-saved-count = Transcript saved to { $path } ({ $count } messages)
could-not-save = Could not save { $path }: { $error }
save-where = Type where to save the file.
save-nothing = There is no conversation to save.
export-day-format = { $field }: write the day as YYYY-MM-DD, like 2026-12-02.
export-day-order = The last day comes before the first.
export-day-missing = That first day does not exist here.
notify-private-title = { $name } (private)
notify-open = Open
notify-room-title = { $name } in { $room }

## This computer's log and the room's history file

journal-moved-aside = This computer's log of conversations { $path } could not be used ({ $error }); it was kept as { $kept } and a new one started.
journal-unusable = This computer's log of conversations can't be used ({ $error }) or moved aside ({ $move_error }); conversations are not kept on this computer.
journal-cannot-make = This computer's log of conversations can't be made ({ $error }); conversations are not kept on this computer.
journal-stopped = This computer's log of conversations stopped ({ $error }); the chat goes on.
store-moved-aside = The history file { $path } could not be used ({ $error }); it was kept as { $kept } and the room starts with an empty history.

## Files

size-bytes = { $count ->
    [one] { $count } byte
   *[other] { $count } bytes
}
size-kb = { $number } kB
size-mb = { $number } MB
size-gb = { $number } GB
plain-file = { $name } offers { $file } ({ $size }) to the room; the Coucou app can download it.
plain-file-private = { $name } offers you { $file } ({ $size }); the Coucou app can download it.
error-no-files = this room takes no files
error-disk-full = the host's disk is full: the upload stopped (it can go on once there is room)
error-file-not-stored = the host could not store the file; try again later
error-too-many-transfers = too many file transfers from your address at once; try again when one has ended
error-too-many-downloads = too many downloads on your tickets at once; try again when one has ended
error-file-too-large = that file is over this room's limit of { $max }; it was not offered
error-quota-full = this room has no space left for files ({ $free } free); it was not offered
error-bad-sha256 = an offer needs the file's SHA-256 as 64 hex digits
error-no-such-file = no such file here (it may have expired, or it is not for you)
error-no-such-person = nobody called { $name } is here to be offered a file
error-file-busy = that file is already being uploaded on another connection
error-file-larger = more bytes than announced; the upload was cut off and nothing kept
error-file-mismatch = the bytes do not match the SHA-256 offered; nothing was kept
error-file-offset = that offset is past the end of the file
error-file-early = send nothing before the host's answer
chat-file = { $name } offers { $file } ({ $size }) to the room
chat-file-private = { $name } offers { $file } ({ $size }) to you
chat-file-yours = You offer { $file } ({ $size }) to the room
chat-file-yours-private = You offer { $file } ({ $size }) to { $to }
file-download = Download
file-saved = Saved to { $path }
file-open = Open
file-show-folder = Show in folder
file-open-failed = Nothing could open { $path }.
file-sent = Sent
file-stopped = Stopped: { $why }
file-retry = Retry
file-percent = { $percent } %
file-progress = { $percent } % · { $speed }/s · { $left } s left
file-send = Send file…
file-not-here = Files can be offered only in a Coucou room you are in.
file-unreadable = { $name } could not be read: { $error }
file-save-as = Save as…
file-save-title = Save the file
file-save-no-folder = There is no folder to save { $path } in.
file-save-exists = { $path } already exists: choose another name.
file-sending = Sending { $name } ({ $size }) to the room
file-sending-to = Sending { $name } ({ $size }) to { $to }
file-dismiss = Dismiss
file-save-fallback-text = The system's save dialog could not open. Save the file as:
file-open-title = Send a file
file-open-fallback-text = The system's file dialog could not open. Type the path of the file to send (or drop it on the window):
file-open-button = Send the file
file-open-missing = There is no file at { $path }.
file-cancelled = cancelled
file-cut = the connection to the host was cut; Retry goes on from where it stopped
file-disk-full = the disk is full
file-not-allowed = the system does not allow it (permissions)
file-gone = the file or its folder is gone
file-system = the system refused ({ $kind })
file-mismatch = the bytes are not the file offered (another SHA-256); nothing was kept
file-unexpected = the host answered something unexpected
people-private = Private message
people-ignore = Ignore
people-unignore = Stop ignoring
people-send-file = Send a file…
error-too-many-offers = you have files offered and not yet uploaded; upload them first

# Moderation: what moderators do, said in the server's own voice.
help-oper-title = Moderators:
help-usage-oper = /oper <password>
help-oper = become a moderator with the host's password
help-moderator-title = As a moderator:
help-room-moderator-title = As a moderator of this room (here only):
help-usage-kick = /kick <name> [reason]
help-kick = remove someone from the host
help-kick-room = send someone out of this room
help-usage-ban = /ban <name|address> [10m|2h|3d] [reason]
help-ban = remove someone and keep their name and address out, for a time or until lifted
help-usage-unban = /unban <name|address>
help-unban = lift a ban
help-usage-bans = /bans
help-bans = the bans and mutes
help-usage-mute = /mute <name> [10m|2h|3d] [reason]
help-mute = keep someone from speaking, under any name
help-mute-room = keep someone from speaking in this room, under any name
help-usage-unmute = /unmute <name>
help-unmute = let them speak again
help-usage-lock = /lock
help-lock = only moderators speak in this room
help-usage-unlock = /unlock
help-unlock = everyone speaks in this room again
help-usage-modlog = /modlog
help-modlog = what moderators did lately
notice-oper = You are a moderator on this host until you leave. Type /help to see what you may do.
notice-deoped = You are no longer a moderator on this host.
moderation-kick = { $name } was removed from the host by { $by }.
moderation-kick-room = { $name } was removed from this room by { $by }.
moderation-kick-remote = { $name } is at another site: it was asked to remove them ({ $by }).
moderation-ban = { $name } was banned from the host by { $by }.
moderation-mute = { $name } was muted by { $by }.
moderation-mute-room = { $name } was muted in this room by { $by }.
moderation-unban = The ban on { $name } was lifted by { $by }.
moderation-unmute = { $name } may speak again ({ $by }).
ignore-on = You no longer see what { $name } says, here or in private (/unignore { $name } to see it again). Nobody else is told.
ignore-off = You see what { $name } says again.
ignore-on-here = You no longer see what { $name } says, in this host's rooms or in private, on this computer, from now on and at your next visits (/unignore { $name } to see it again). Nobody else is told.
ignore-none = You ignore nobody.
ignore-list = You ignore: { $names }.
error-ignore-self = you can't ignore yourself
error-ignore-full = you ignore { $max } people already
help-usage-ignore = /ignore [name]
help-ignore = stop seeing what someone says (on your screen only); alone, whom you ignore
help-usage-unignore = /unignore <name>
help-unignore = see what they say again
moderation-op = { $name } is now a moderator ({ $by }).
moderation-deop = { $name } is no longer a moderator ({ $by }).
moderation-op-room = { $name } is now a moderator of this room ({ $by }).
error-not-owner = only the host's owners may name moderators
error-moderator-already = { $name } is a moderator already
error-room-moderator-device = { $name } has no device (a terminal, or an older app): only an app can moderate one room
error-moderator-not = { $name } is not a moderator
error-owner-protected = { $name } is one of the host's owners
moderation-lock = { $by } locked this room: only moderators speak.
moderation-unlock = { $by } unlocked this room: everyone may speak.
moderation-for = { $minutes ->
    [one] For one minute.
   *[other] For { $minutes } minutes.
}
moderation-until-lifted = Until lifted.
moderation-reason = Reason: { $reason }
notice-bans-none = No bans.
notice-bans-title = { $count ->
    [one] One ban:
   *[other] { $count } bans:
}
notice-mutes-title = { $count ->
    [one] One mute:
   *[other] { $count } mutes:
}
notice-room-mutes-title = { $count ->
    [one] One mute in this room:
   *[other] { $count } mutes in this room:
}
notice-ban-line = { $shown }, by { $by }.
notice-bans-more = and { $count } more
notice-modlog-none = The moderation log is empty.
notice-modlog-title = Moderation log (the newest last):
error-banned = you are banned from this host.
error-name-banned = that name is banned from this host.
error-removed = you were removed from the host by { $by }.
error-removed-room = you were removed from the room { $room } by { $by }.
error-muted = a moderator keeps you from speaking.
error-muted-room = a moderator of this room keeps you from speaking in it.
error-locked = this room is locked: only moderators speak
error-locked-already = this room is locked already
error-unlocked-already = this room is not locked
error-not-moderator = only a moderator may do that
error-room-moderator-only = a room's moderator may kick, mute, lock, unlock, slow, delete and clear in that room; the rest is the host's moderators'
error-moderator-protected = { $name } is a moderator: moderators can't remove or mute each other
error-rules-full = the list holds { $max } entries already; lift some first
error-not-banned = no ban on { $name }
error-not-muted = { $name } is not muted
error-oper-none = this host has no moderators' password
error-oper-tls = the moderators' password is sent over TLS only
error-wrong-oper = that is not the moderators' password
help-usage-slow = /slow <seconds|off>
help-slow = slow mode: one message per person every so many seconds in this room
help-usage-classroom = /classroom <on|off>
help-classroom = private messages and files only to or from moderators
moderation-slow = { $by } slowed this room down: one message every { $seconds } s per person.
moderation-slow-off = { $by } ended slow mode in this room.
moderation-classroom = { $by } turned classroom mode on: private messages and files go only to or from moderators.
moderation-classroom-off = { $by } turned classroom mode off.
error-slow = slow mode: wait { $seconds } s before your next message
error-slow-already = slow mode is set so already
error-classroom-already = classroom mode is so already
error-classroom-private = classroom mode: private messages go only to or from moderators
error-classroom-files = classroom mode: files go only to or from moderators
mod-kick = Kick
mod-op = Make moderator
mod-deop = No longer moderator
mod-ban = Ban
mod-mute = Mute
mod-for-10-minutes = For 10 minutes
mod-for-an-hour = For an hour
mod-for-a-day = For a day
mod-until-lifted = Until lifted
mod-menu = Moderation
mod-lock = Lock this room (only moderators speak)
mod-unlock = Unlock this room
mod-clear = Clear this room's history…
mod-clear-confirm = Clear it for everyone (it can't be undone)
mod-slow = Slow mode
mod-slow-off = Off
mod-slow-every = One message every { $seconds } s
mod-classroom-on = Classroom mode on
mod-classroom-off = Classroom mode off
mod-bans = Show the bans and mutes
mod-log = Show the moderation log
mod-room-mutes = Show the mutes in this room
rules-heading = Bans and mutes
rules-refresh = Refresh
rules-close = Close
rules-asking = Asking the host…
rules-none = Nobody is banned or muted.
rules-banned = banned
rules-muted = muted
rules-muted-in = muted in { $room }
rules-by = by { $name } · { $left }
rules-until-lifted = until lifted
rules-left-minutes = { $minutes } min left
rules-left-hours = { $hours } h left
rules-left-days = { $days ->
    [one] 1 day left
   *[other] { $days } days left
}
rules-reason = Why: { $reason }
rules-lift = Lift
rules-lift-ban = Lift the ban on { $name }
rules-lift-mute = Lift the mute on { $name }
rules-more = { $count } more not listed: lift some to see them.
help-usage-delete = /delete <message id>
help-delete = take a message out of the room (its id: /search shows it)
help-usage-clear = /clear
help-clear = clear this room's history: gone from everyone's screen, the search and the logs
help-usage-op = /op <name>
help-op = (the host's owners) make someone a moderator, their app too when it comes back
help-usage-deop = /deop <name>
help-deop = (the host's owners) make a moderator one no more
moderation-deleted = A message was removed by { $by }, a moderator.
moderation-cleared = { $by } cleared this room's history.
moderation-deleted-log = { $by } removed message #{ $id } from { $name }.
error-no-such-message = no message #{ $id } among the room's recent messages
mod-delete = Delete (moderator)
host-no-randomness = this computer gave no random numbers for the room's keys

## A message's author, replies and reactions
notice-deleted-by-author = { $name } deleted this message
error-not-yours = only the author may change a message, from the connection that sent it or a later one of the same app
error-bad-emoji = a reaction is one emoji (at most { $max } bytes, nothing invisible)
error-reactions-yours = at most { $max } different reactions of yours on one message
error-reactions-kinds = this message has { $max } different reactions already
plain-edited = { $name } edited a message:
plain-reacted = { $name } reacted { $emoji } to { $author }'s message
plain-unreacted = { $name } took back { $emoji } from { $author }'s message

## Replies, edits and reactions in the window
menu-reply = Reply
menu-edit = Edit
menu-delete = Delete
reply-earlier = an earlier message
reply-jump = Show the message this answers
replying-to = Replying to { $name }: { $text }
editing = Editing your message
aside-stop = Stop (Escape)
message-edited = (edited)
reaction-who = { $emoji } by { $names }
react-with = React with { $emoji }
mention-who = Mention:
screenshot-name = Screenshot { $when }.png
file-not-a-picture = it does not read as the picture its name says, and is not sent (it could hide where it was taken)
file-picture-too-large = it is too large for a picture (64 MB and 64 million pixels at most), and is not sent
paste-too-large = This picture is too large to send (64 million pixels at most).
picture-alt = Picture { $name }
picture-size = { $width } × { $height } pixels; click to see it large
picture-loading = Loading the picture…
picture-too-large = This picture is too large to show here; save it to see it.
picture-unreadable = This picture is damaged or is not a PNG, JPEG, GIF or WebP.
picture-missing = This picture is no longer on this computer.

# The web page (its HTTP answers, and a WebSocket's end)
error-websocket-closed = the WebSocket is closed
error-websocket-protocol = the WebSocket's rules were broken (a frame unmasked, a reserved bit set, a control frame cut up or too long); closing
error-websocket-binary = only text frames are taken here, one JSON message each; closing
error-websocket-utf8 = a text frame that is not UTF-8; closing
error-websocket-too-big = a message longer than the limit (16 KiB); closing
web-method = only GET (and PUT, for a file) is answered here
web-bad-request = this request can't be read as HTTP/1.1
web-not-found = nothing here: the room's page is at /
web-websocket-version = only WebSocket version 13 is spoken here
web-origin = only this room's own page may open its WebSocket or send it files
web-length = a file is sent with its length (Content-Length), in one piece
error-file-length = the request's body is not the size of the file offered
web-websocket-key = the WebSocket key is not the base64 of 16 bytes
web-too-slow = the request did not arrive in time
web-too-large = the request's headers are too long

# The Host panel: the web page for phones
host-phones = From a phone or a browser
host-phones-hint = Phones, tablets and computers on the network open this address, or scan its code with the camera, to join without installing anything.
host-phones-password = This room has a password: the page is over https, and people type the password into it. That keeps it from eavesdroppers, but a browser can't check the room code as the app does.
