# Les mots de Coucou en français. Chaque clé est aussi dans en.ftl (un test le vérifie).
# Typographie : espace insécable (U+00A0) avant « : », « ! », « ? » ; guillemets « ».

## Nombres et dates

people-count = { $count ->
    [one] { $count } personne
   *[other] { $count } personnes
}
rooms-count = { $count ->
    [one] { $count } salon
   *[other] { $count } salons
}
date-long = { $weekday } { $day } { $month } { $year }
date-short = { $day } { $month } { $year }
weekday-1 = lundi
weekday-2 = mardi
weekday-3 = mercredi
weekday-4 = jeudi
weekday-5 = vendredi
weekday-6 = samedi
weekday-7 = dimanche
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre
month-short-1 = janv.
month-short-2 = févr.
month-short-3 = mars
month-short-4 = avr.
month-short-5 = mai
month-short-6 = juin
month-short-7 = juil.
month-short-8 = août
month-short-9 = sept.
month-short-10 = oct.
month-short-11 = nov.
month-short-12 = déc.

## Le serveur, tel que le lisent les clients texte (après « *** »)

plain-welcome = Bienvenue dans { $room }, { $name } !
plain-recent = Derniers messages :
plain-type-help = Tapez /help pour les commandes, exit pour partir.
plain-private = privé
plain-joined = { $name } a rejoint le salon
plain-left = { $name } a quitté le salon
plain-left-closed = { $name } a quitté le salon (connexion fermée)
plain-left-slow = { $name } a été déconnecté (ne lisait pas les messages assez vite)
plain-renamed = { $old } s’appelle désormais { $new }
plain-here = { $count ->
    [one] { $count } personne ici : { $names }
   *[other] { $count } personnes ici : { $names }
}
plain-who-away = { $name } (absent)
plain-who-away-reason = { $name } (absent : { $reason })
plain-who-idle = { $name } (inactif)
plain-away = { $name } est absent
plain-away-reason = { $name } est absent : { $reason }
plain-away-idle = { $name } est absent (inactif)
plain-back = { $name } est de retour
plain-rooms = { $count ->
    [one] 1 salon :
   *[other] { $count } salons :
}
plain-room-line = { $joined ->
    [yes] > { $room }
   *[no] { "  " }{ $room }
} ({ $count ->
    [one] 1 personne
   *[other] { $count } personnes
})
plain-topic = Sujet : { $topic }
plain-topic-none = Ce salon n’a pas de sujet.
plain-topic-set = { $name } a changé le sujet : { $topic }
plain-topic-cleared = { $name } a effacé le sujet
plain-room-protected = (mot de passe)
plain-room-made = Le salon { $room } est ouvert : /join { $room } pour y aller
plain-room-made-by = { $name } a créé le salon { $room } : /join { $room } pour y aller
plain-password = Ce salon a un mot de passe : tapez-le à la ligne suivante.
plain-password-ok = Mot de passe accepté.
plain-found = { $count ->
    [0] Rien trouvé pour « { $words } ».
    [one] 1 message trouvé pour « { $words } » :
   *[other] { $count } messages trouvés pour « { $words } », du plus récent au plus ancien :
}
plain-found-tag = trouvé

## Les annonces du serveur

notice-name-variant = Le nom { $wanted } est pris : vous êtes donc { $name } ici (/nick pour en changer).
notice-bye = Au revoir, { $name } !
notice-bonjour = Bonjour { $name } !
notice-stopping = Le serveur s’arrête. Au revoir !
notice-sites-unreachable = Les autres sites sont injoignables : le salon continue ici, et ce qui s’y dit leur parviendra à leur retour.
notice-sites-back = Les autres sites sont de nouveau joignables.

## L’aide

help-title = Commandes :
help-usage-who = /who
help-usage-me = /me <action>
help-usage-msg = /msg <nom> <texte>
help-usage-nick = /nick <nom>
help-usage-away = /away [raison]
help-usage-back = /back
help-usage-search = /search <mots>
help-usage-help = /help
help-usage-quit = /quit, exit
help-usage-slash = //texte
help-usage-rooms = /rooms
help-usage-join = /join <salon>
help-usage-part = /part
help-usage-topic = /topic [texte]
help-who = qui est dans le salon
help-me = dire ce que vous faites
help-msg = un message privé que vous seuls voyez
help-nick = changer de nom
help-away = dire que vous êtes absent (et pourquoi) ; les messages privés reçoivent votre raison
help-back = dire que vous êtes de retour
help-search = chercher des messages dans l’historique du salon
help-help = cette liste
help-quit = partir
help-slash = envoyer un message qui commence par /
help-rooms = les salons de l’hôte
help-join = aller dans un autre salon
help-part = revenir au salon principal
help-topic = voir ou changer le sujet du salon

## Les erreurs du serveur (après « ! »)

error-unknown-command = commande inconnue /{ $command } (tapez /help pour la liste)
error-usage = usage : { $usage }
error-line-too-long = cette ligne dépasse { $max } octets
error-version = ce serveur ne parle que la version { $version } du protocole ; utilisez une application de la même version
error-hello-first = commencez par dire bonjour (hello)
error-malformed = message non valide : { $detail }
error-tls-required = ce salon n’accepte que les connexions chiffrées : utilisez l’application Coucou, ou `openssl s_client -quiet -connect HÔTE:PORT`
error-device-clear = un appareil ne se prouve que sur TLS ; fermeture
error-device-malformed = la clé ou la signature de l’appareil est mal formée ; fermeture
error-device-forged = la signature de l’appareil n’est pas celle de sa clé pour cette connexion ; fermeture
error-name-try-another = { $problem } ; essayez un autre nom
error-room-full = le salon est plein (limite : { $max } personnes) ; réessayez plus tard
error-no-name = aucun nom reçu en { $seconds } s ; fermeture
error-password-needs-tls = ce salon a un mot de passe, demandé seulement sur une connexion chiffrée : utilisez l’application Coucou, ou `openssl s_client -quiet -connect HÔTE:PORT` et tapez le mot de passe après votre nom
error-too-many-attempts = trop de mots de passe erronés depuis votre adresse ; réessayez dans { $minutes } min
error-wrong-password = mot de passe erroné (ou quelqu’un s’est glissé dans votre connexion) ; fermeture
error-wrong-room-password = mauvais mot de passe pour le salon (ou quelqu’un s’interpose sur votre connexion)
error-no-exchange = aucun mot de passe ne vous a été demandé pour le salon { $room } : rejoignez-le d’abord
error-password-busy = le mot de passe n’a pas pu être vérifié à temps (l’hôte est occupé) ; réessayez
error-no-password = aucun mot de passe reçu en { $seconds } s après la connexion ; fermeture
error-flood = vous { $what ->
    [naming] essayez des noms
    [renaming] changez de nom
    [joining] rejoignez et quittez des salons
    [asking] demandez
    [searching] cherchez
    [typing] tapez
   *[sending] envoyez
} trop vite ; rien n’a été fait (attendez { $seconds } s)
error-message-too-long = message trop long : la limite est de { $max } octets ; il n’a pas été envoyé
error-search-too-long = recherche trop longue : la limite est de { $max } octets ; rien n’a été cherché
error-away-too-long = raison d’absence trop longue : la limite est de { $max } octets ; rien n’a changé
error-already-joined = vous êtes déjà entré (hello et mot de passe viennent d’abord)
error-bad-cid = un cid fait de 1 à { $max } lettres, chiffres, - ou _ ; ceci n’a pas été envoyé
error-empty = ce message ne montre rien une fois les caractères invisibles retirés ; il n’a pas été envoyé
error-no-such-user = personne ne s’appelle { $name } ici
error-join-which = join_room attend le nom du salon dans « room »
error-no-such-room = cet hôte n’a pas de salon nommé { $room } (tapez /rooms pour la liste)
error-files-main-room = les fichiers se proposent et se récupèrent dans le salon principal seulement, pour l’instant
error-not-in-room = vous n’êtes pas dans le salon { $room }
error-already-in-room = vous êtes déjà dans le salon { $room }
error-too-many-joined = vous êtes déjà dans { $max } salons : quittez-en un d’abord
error-default-room = on ne quitte pas ainsi le salon principal (tapez /quit pour partir)
error-rooms-full = cet hôte a déjà { $max } salons
error-topic-too-long = un sujet fait au plus { $max } octets
error-room-name = nom de salon refusé : { $reason }
error-room-password-needed = le salon { $room } a un mot de passe : tapez /join { $room } <mot de passe> sur une connexion chiffrée (openssl s_client) ; une application le demande
error-history-unavailable = l’historique du salon est illisible pour l’instant ; réessayez plus tard
error-privates-no-device = seule une application que l’hôte reconnaît à son appareil reçoit à nouveau ses messages privés
error-evicted = le serveur est occupé : trop de connexions attendaient sans nom, et la vôtre attendait depuis le plus longtemps ; reconnectez-vous
error-too-many-from-address = trop de connexions depuis votre adresse attendent d’entrer ; donnez un nom sur l’une d’elles, ou réessayez dans un instant
error-too-many-waiting = trop de connexions attendent d’entrer ; réessayez dans un instant

## Les noms

name-too-short = un nom a au moins { $min } caractères
name-too-long = un nom a au plus { $max } caractères
name-space = un nom ne peut pas contenir d’espace
name-bad-char = un nom ne peut utiliser que des lettres, des chiffres, « _ », « - » et « . » ({ $code } n’est pas permis)
name-mixed-scripts = un nom n’utilise les lettres que d’une seule écriture
name-no-letter = un nom a au moins une lettre ou un chiffre
name-reserved = ce nom est réservé
name-taken = le nom est pris : { $existing } est ici
name-kept = le nom { $existing } est gardé pour l’appareil qui l’avait, absent pour l’instant

## La conversation

chat-from-log = Au-dessus : depuis le journal de cet ordinateur (le salon ne l’a plus).
chat-joined = { $name } est arrivé
chat-left = { $name } est parti
chat-left-closed = { $name } est parti (connexion fermée)
chat-left-slow = { $name } a été déconnecté (ne lisait pas assez vite)
chat-renamed = { $old } s’appelle désormais { $new }
chat-here = { $count ->
    [one] { $count } ici : { $names }
   *[other] { $count } ici : { $names }
}
chat-away-reply = { $name } est { $state }
chat-you-away = Vous êtes { $state }.
chat-you-back = Vous êtes de retour.
away-with-reason = absent : { $reason }
away-idle = inactif
away-plain = absent

## Mots employés à plusieurs endroits

ok = OK
cancel = Annuler
close = Fermer
copy = Copier
keep = Garder
save = Enregistrer
send = Envoyer
rejoin = Revenir
disconnect = Se déconnecter
settings = Réglages
toolbar-more = Plus
keep-hosting = Continuer d’héberger
reconnected = Reconnecté.
disconnected = Déconnecté.

## La barre d’outils

choice-label = { $label } : { $value }

host-toggle = Héberger un salon
host-toggle-off-hint = Arrêter d’héberger le salon
host-toggle-on-hint = Ouvrir un salon sur cet ordinateur pour votre réseau
host-room = Salon
host-port = Port d’accueil
host-closing = Fermeture du salon…
host-opening = Ouverture du salon…
room-options = Options du salon
room-password-change = Ce salon a un mot de passe. Tapez-en un nouveau, ou laissez vide et appuyez sur Définir pour le retirer.
room-password-new = Un mot de passe pour le salon (seule son empreinte est gardée) :
room-password = Mot de passe
room-password-set = Définir
room-encrypted-only = Chiffré seulement
room-encrypted-only-hint = Refuser les applications et terminaux qui se connectent en clair
room-keep-history = Garder l’historique à la fermeture du salon
room-keep-history-hint = Après un redémarrage, les nouveaux venus reçoivent la conversation d’avant
room-keep-messages = Garder les messages
room-keep-count = Combien
keep-forever = pour toujours
keep-year = un an
keep-days = { $days } jours
keep-no-limit = sans limite
keep-last = les { $count } derniers
export-transcript = Exporter la conversation…
settings-language = Langue
settings-language-system = Celle du système ({ $language })
settings-theme = Thème
theme-system = Système
theme-dark = Sombre
theme-light = Clair
settings-text-size = Taille du texte
text-smaller = Plus petit (Ctrl -)
text-larger = Plus grand (Ctrl +)
text-reset = Par défaut
text-size-points = { $size } pt
settings-notifications = Notifications
notify-mentions = Mentions et messages privés
notify-all = Tous les messages
notify-off = Aucune
settings-away-after = Absent après
settings-journal-keep = Cet ordinateur garde les conversations
away-after-never = jamais
away-after-minutes = { $minutes } min sans activité
settings-discovery = Trouver et annoncer les salons sur le réseau
settings-device = L’appareil de cette application :
settings-device-hint = Les hôtes que vous rejoignez reconnaissent cette application par lui : ils vous gardent votre nom pendant votre absence, et cette application peut être propriétaire d’un salon (coucou server --owner, avec l’identifiant que ce bouton copie).
settings-device-copy = Copier son identifiant
header-hosted = { $people } · hébergé ici sur { $addrs }
copy-address = Copier { $address }
check-addresses = Vérifier les adresses
check-addresses-hint = Vérifie que le salon répond sur chaque adresse
room-code = Code du salon :
room-code-hint = Ce code s’affiche chez ceux qui entrent pour la première fois : lisez-le-leur
room-how-encrypted-only = chiffré seulement
room-how-either = chiffré ou en clair
room-how-password = mot de passe
room-link = Relier à d’autres sites (courtier NATS)
room-link-hint = Des serveurs qui partagent un courtier NATS avec JetStream forment un seul salon : les mêmes messages, les mêmes personnes. Vide : ce salon seul. Appliqué au prochain hébergement.
room-link-set = Utiliser
room-link-example = nats://10.0.0.5:4222
room-how-linked = relié à d’autres sites par { $url }
host-link-invalid = Ce n’est pas l’adresse d’un courtier : nats://hôte:port
reconnecting-in = Connexion perdue. Reconnexion dans { $seconds } s…
reconnect-now = Se reconnecter maintenant
reconnect-last-try = Dernier essai : { $failure }
status = Statut
status-available = Disponible
status-away = Absent
status-idle = Inactif
status-reason = Absent parce que
status-reason-hint = déjeuner, réunion…
status-set-away = Définir
status-away-because = Absent : { $reason }
confirm-host-on-title = Quitter ce salon pour en héberger un ?
confirm-host-on-text = Vous êtes dans { $room }. Héberger votre propre salon vous en fait sortir (sa conversation reste jusqu’à ce que vous la fermiez).
confirm-host-on-yes = Quitter et héberger
confirm-host-on-no = Rester
confirm-quit-title = Quitter et fermer le salon ?
confirm-quit-text = Vous hébergez { $room } et { $others ->
    [one] { $others } autre personne s’y trouve
   *[other] { $others } autres personnes s’y trouvent
}. Quitter ferme le salon pour tout le monde.
confirm-quit-yes = Quitter et fermer le salon
confirm-host-off-title = Fermer le salon ?
confirm-host-off-text = { $others ->
    [one] { $others } autre personne est connectée. Elle sera prévenue de la fermeture du salon.
   *[other] { $others } autres personnes sont connectées. Elles seront prévenues de la fermeture du salon.
}
confirm-host-off-yes = Fermer le salon
export-title = Exporter la conversation
save-fallback-text = La fenêtre d’enregistrement du système n’a pas pu s’ouvrir. Enregistrer la conversation sous :
save-file = Fichier
save-filter-text = Texte
export-days-text = Tous les messages que cet ordinateur a vus dans ce salon, du premier jour au dernier :
export-from = Du
export-to = Au
export-day-hint = AAAA-MM-JJ
export-button = Exporter…

## L’écran de conversation

people-elsewhere = (autre site)
people = Présents
people-heading = Présents ({ $count })
people-not-listed = Ce serveur ne dit pas qui est là.
people-unknown = Pas connecté : on ne sait pas qui est là.
people-click-hint = Cliquez sur un nom pour écrire à cette seule personne.
people-you = vous
typing-one = { $name } écrit…
typing-two = { $first } et { $second } écrivent…
typing-many = { $count } personnes écrivent…
outbox-sending = Envoi…
outbox-waiting = Pas encore envoyés : ils partiront au retour de la connexion.
outbox-sending-one = envoi…
composer-hint = Entrée pour envoyer
composer-hint-room = à { $room } — Entrée pour envoyer, /help pour les commandes
composer-message = Message
composer-recall-hint = Haut/Bas rappelle ce que vous avez envoyé
composer-bytes = { $used } / { $max } octets
composer-too-long = { $bytes } — trop long pour être envoyé
older-loading = Chargement des messages plus anciens…
older-load = Charger des messages plus anciens
older-beginning = Le début de l’historique du salon
marker-since-looked = Nouveau depuis votre dernier coup d’œil
marker-since-visit = Nouveau depuis votre dernière visite
new-messages = { $count ->
    [one] { $count } nouveau message - voir
   *[other] { $count } nouveaux messages - voir
}
column-rooms = Salons
column-more-rooms = Autres salons de cet hôte
column-room-people = { $count ->
    [one] { $count } personne
   *[other] { $count } personnes
}
column-room-password = mot de passe
column-room-password-hint = Ce salon a un mot de passe : tapez-le, puis Rejoindre. Il ne quitte jamais cet ordinateur : l’application prouve qu’elle le connaît, par la connexion chiffrée seulement.
room-join = Rejoindre
room-join-label = Rejoindre ou créer un salon
room-join-hint = Son nom, puis Entrée
room-leave = Quitter le salon
header-direct = Messages directs avec { $name }
room-joined = Vous avez rejoint { $room }.
host-rooms-none = Cet hôte n’a qu’un salon : il n’y en a pas d’autre à rejoindre.
room-password-needs-encryption = Le salon { $room } a un mot de passe : on ne le rejoint que par une connexion chiffrée.
room-password-of = Mot de passe du salon { $room }
room-password-first = Le salon { $room } a un mot de passe : tapez-le à côté du salon dans la colonne, ou /join { $room } suivi du mot de passe.
room-parted = Vous avez quitté { $room }.
room-exists = Il y a déjà un salon { $room } (ou un dont le nom se ressemble).
room-not-made = Le salon n’a pas pu être créé : { $error }
room-open-to-all = Chacun peut créer un salon
room-open-to-all-hint = On crée un salon en rejoignant un nom qui n’existe pas encore. Appliqué au prochain hébergement du salon.
room-new = Nouveau salon
room-new-hint = Un salon de cet hôte : son nom, puis Ajouter. Chacun le voit dans sa colonne.
room-add = Ajouter
room-added = Le salon { $room } est ouvert.
column-directs = Messages directs
column-directs-none = Aucun pour l’instant : cliquez sur un nom pour écrire à une seule personne.
column-unread = { $count ->
    [one] { $count } nouveau
   *[other] { $count } nouveaux
}
column-unread-mention = { $count ->
    [one] { $count } nouveau
   *[other] { $count } nouveaux
}, on vous cite
messages-list = Messages
private-tag = privé
private-to = vous -> { $name } :
private-from = { $name } -> vous :
menu-copy-text = Copier le texte
menu-copy-link = Copier le lien
menu-quote = Citer
menu-reply-privately = Répondre en privé
search-heading = Chercher dans le salon
search-close = Fermer la recherche
search-hint = mots à trouver, Entrée pour chercher
search-button = Chercher
search-help = Casse et accents comptent pour rien : « cafe » trouve « café ».
search-searching = Recherche…
search-nothing = Rien trouvé pour « { $words } ».
search-count = { $count ->
    [one] { $count } message ; cliquez dessus pour le voir dans la conversation.
   *[other] { $count } messages, du plus récent au plus ancien ; cliquez sur l’un d’eux pour le voir.
}
search-show = Le montrer dans la conversation
search-private = [privé, avec { $name }]
badge-verified = Chiffré, vérifié par mot de passe
badge-trusted = Chiffré, approuvé à la première connexion
badge-clear = Non chiffré
badge-verified-hint = Personne d’autre sur le réseau ne peut lire ce salon, et l’hôte a prouvé qu’il connaît le mot de passe du salon : personne ne peut s’interposer.
badge-trusted-hint = Personne d’autre sur le réseau ne peut lire ce salon. L’hôte est celui que vous avez approuvé la première fois (son code est retenu) ; vérifiez le code avec l’hôte pour en être sûr.
badge-clear-hint = N’importe qui sur ce réseau peut lire ce qui se dit ici, et une machine pourrait se faire passer pour ce salon.
trust-title = Faire confiance à ce salon ?
trust-first = C’est votre première connexion à { $target }. Son code est :
trust-ask-host = Demandez à l’hôte de vous lire le code affiché dans son panneau Héberger (ou imprimé par « coucou server »). S’il est identique, faites confiance au salon : la prochaine fois, Coucou le vérifiera pour vous.
trust-yes = Faire confiance à ce salon
mismatch-title = L’identité de ce salon a changé
mismatch-text = { $target } n’a pas montré l’identité que vous aviez approuvée. Quelqu’un sur le réseau se fait peut-être passer pour ce salon pour lire ce que vous tapez. Rien n’a été envoyé.
mismatch-before = Approuvé avant : { $code }
mismatch-now = Montré maintenant : { $code }
mismatch-host-told-me = L’hôte m’a dit qu’elle a changé (nouvel ordinateur, réinstallation)
mismatch-trust-new = Faire confiance à la nouvelle identité

## L’écran de connexion

delete-profile-title = Supprimer le profil « { $name } » ?
profile-exists = Un profil « { $name } » existe déjà.
delete-profile-text = Son serveur, son port et son nom d’utilisateur seront oubliés.
delete-profile-yes = Supprimer le profil
rooms-heading = Salons sur votre réseau
rooms-discovery-off = La découverte est désactivée (Réglages).
rooms-none = Aucun trouvé pour l’instant.
rooms-hint = Cliquez pour remplir le formulaire, double-cliquez pour entrer
profiles-heading = Serveurs enregistrés
profiles-none = Aucun pour l’instant. Remplissez le formulaire, puis enregistrez-le ici.
profile-hint = { $name } sur { $host }:{ $port }
profile-name = Nom du profil
profile-name-hint = p. ex. Bureau
profile-save = Enregistrer le profil
profile-selected = Choisi : { $name }
profile-new-name = Nouveau nom
profile-rename = Renommer
profile-delete = Supprimer
form-heading = Entrer dans un salon
form-username = Nom d’utilisateur
form-username-hint = votre nom
form-host = Hôte
form-port-label = Port
form-kind = Type de serveur
form-kind-coucou-hint = Un serveur Coucou : liste des présents, historique, messages privés.
form-kind-plain = Texte (façon nc)
form-kind-plain-hint = Tout serveur de discussion ligne par ligne auquel nc peut parler.
form-kind-classic = Serveur C classique
form-kind-classic-hint = La discussion C d’origine : le nom en bloc de 32 octets, chaque message à part.
form-security = Sécurité
form-encrypted = Chiffré
form-encrypted-hint = TLS : personne d’autre sur le réseau ne peut lire le salon. Ne décochez que pour un ancien serveur Coucou.
form-code-trusted = · code du salon approuvé
form-password = Mot de passe du salon
form-password-hint = si le salon en a un
form-connecting = Connexion à { $target }…
form-connect = Se connecter
form-host-empty = Tapez l’adresse du serveur, p. ex. 192.168.1.20.
form-host-spaces = Une adresse n’a pas d’espace.
form-port = Le port est un nombre de 1 à 65535 (Coucou utilise 4444).
diagnostics-heading = Vous ne trouvez pas de salon ?
diagnostics-addresses-on = Les adresses de cet ordinateur (découverte active sur chacune) :
diagnostics-addresses-off = Les adresses de cet ordinateur (découverte désactivée) :
diagnostics-test = Tester l’hôte et le port
diagnostics-test-hint = Essaie une connexion à l’hôte et au port du formulaire
why-not-segment = Les salons sont trouvés par mDNS, qui n’atteint que les ordinateurs du même segment de réseau : un autre sous-réseau, un Wi-Fi invité ou un VPN les empêche d’apparaître. Tapez plutôt l’adresse de l’hôte.
why-not-firewall = Un pare-feu sur l’hôte peut bloquer le port TCP du salon (4444 par défaut) ou mDNS (port UDP 5353).
why-not-bind = Un salon lancé avec « coucou server --bind 127.0.0.1 » n’accepte que cet ordinateur ; les salons hébergés depuis l’application écoutent sur toutes les interfaces.
why-not-advertise = Les serveurs sans fenêtre ne sont listés que s’ils sont lancés avec « --advertise ».
probe-answered = { $target } a répondu en { $ms } ms.
probe-failed = { $target } n’a pas répondu : { $why }
probe-not-a-host = ce n’est ni un nom d’hôte ni une adresse.
probe-unknown-name = aucun ordinateur ne porte ce nom ici.
probe-no-address = aucune adresse à essayer.
probe-refused = rien n’écoute sur ce port (connexion refusée).
probe-no-answer = pas de réponse en { $seconds } s (un pare-feu, ou un autre réseau).

## La connexion

connect-unknown-host = Aucun ordinateur ne s’appelle « { $host } ».
connect-nothing-listening = Rien ne répond à { $target } — le serveur tourne-t-il ?
connect-timed-out = Pas de réponse de { $target } en { $seconds } s — l’adresse est-elle juste, et le port ouvert ?
connect-refused = Le serveur a dit : { $message }.
connect-untrusted = Première connexion à ce salon : vérifiez son code { $code } avec l’hôte.
connect-pin-mismatch = L’identité de ce salon a changé : il a montré { $presented }, et non { $pinned } comme avant. Quelqu’un se fait peut-être passer pour lui.
connect-pin-mismatch-none = L’identité de ce salon a changé (c’était { $pinned }).
connect-not-encrypted = { $target } n’a pas répondu en chiffré — un ancien Coucou ou un serveur classique ? Décochez Chiffré pour vous connecter en clair.
connect-password-needed = Ce salon a un mot de passe : tapez-le pour entrer.
connect-password-not-proved = Le salon n’a pas pu prouver qu’il connaît le mot de passe : le mot de passe est faux, ou quelqu’un s’interpose dans la connexion.
connect-other = Connexion impossible : { $error }
connect-plain-server = Le serveur a répondu « { $said } » : on dirait un serveur en texte simple. Choisissez le type de serveur Texte (façon nc).
trouble-closed = le serveur a fermé la connexion
trouble-no-welcome = { $target } a fermé la connexion sans souhaiter la bienvenue — est-ce un serveur Coucou ?
trouble-password-twice = le serveur a demandé le mot de passe deux fois
trouble-unasked-proof = le serveur a répondu à un mot de passe que personne n’a envoyé
trouble-bad-challenge = le défi du serveur pour le mot de passe est mal formé
trouble-password-in-clear = le serveur a demandé le mot de passe sur une connexion en clair (il n’a pas été envoyé)
trouble-encryption = la connexion chiffrée a échoué ({ $detail })
trouble-no-certificate = l’hôte n’a montré aucun certificat
trouble-cancelled = annulé
trouble-room-not-proved = L’hôte n’a pas pu prouver qu’il connaît le mot de passe de ce salon : le mot de passe est faux, ou quelqu’un s’est placé au milieu de la connexion.
trouble-cut = la connexion a été coupée
trouble-unreachable = le réseau n’atteint pas le salon
trouble-silent = la connexion ne répond plus
trouble-refused = plus rien ne répond à cette adresse
trouble-system = une erreur réseau ({ $kind })
chat-removed = Déconnecté : { $why } Revenez quand vous le souhaitez.
moderator-now = Vous êtes modérateur sur cet hôte jusqu’à votre départ : un clic droit sur quelqu’un dans la liste des personnes pour le faire sortir, le bannir ou le rendre muet ; le menu Modération au-dessus de la liste a le reste.
moderator-room-now = Vous modérez ce salon : un clic droit sur quelqu’un dans la liste des personnes pour l’en faire sortir ou l’y rendre muet ; le menu Modération le verrouille, le ralentit ou l’efface, et le menu d’un message supprime.
moderator-no-more = Vous n’êtes plus modérateur ici : ce que fait un modérateur n’est plus proposé.
could-not-rejoin = Impossible de revenir. { $error }
change-username = { $error } Changez le nom d’utilisateur et reconnectez-vous.
could-not-start = Impossible de lancer la connexion : { $error }
connection-lost = Connexion perdue ({ $why }). Reconnexion…
you-left = Vous avez quitté le salon.
not-sent-outbox-full = Pas envoyé : { $count } messages attendent déjà le retour de la connexion.
not-sent-offline = Pas envoyé : pas connecté.
not-reconnecting = Pas de reconnexion.
not-trusted = Pas connecté : le code du salon n’a pas été approuvé.
identity-changed = Pas connecté : l’identité du salon a changé. Demandez à son hôte avant de lui faire confiance.

## Héberger, fichiers, liens, réglages

host-port-invalid = Le port d’accueil est un nombre de 1 à 65535.
host-certificate = Impossible d’utiliser le certificat de cet ordinateur : { $error }
host-port-in-use = Le port { $port } est déjà pris sur cet ordinateur — un autre salon tourne-t-il ? Choisissez un autre port.
host-could-not-open = Impossible d’ouvrir le salon sur le port { $port } : { $error }
host-not-announced = { $error } ; donnez plutôt l’adresse.
host-loopback-only = Seul cet ordinateur peut entrer : il n’a pas d’adresse réseau pour l’instant. Connectez-le au réseau pour laisser entrer les autres.
host-history-failed = L’historique du salon ne peut plus être écrit (le disque est-il plein ?). La discussion continue ; ce qui se dit désormais n’est pas gardé.
host-could-not-close = Impossible de fermer le salon : { $error }
host-username-first = Tapez d’abord votre nom d’utilisateur dans le formulaire ({ $error }).
password-not-set = Mot de passe non défini : { $error }.
identity-failed = Impossible de lire ou de créer le certificat de cet ordinateur : { $error }
link-copied = Aucun navigateur n’a pu ouvrir { $url } ; le lien a été copié dans le presse-papiers.
link-failed = Impossible d’ouvrir le lien : { $error }
you-closed-room = Vous avez fermé le salon.
settings-not-saved = Impossible d’enregistrer vos réglages : { $error }
settings-unreadable = Vos réglages n’ont pas pu être lus ({ $reason }). Le fichier a été gardé sous { $kept } et Coucou a démarré avec les réglages par défaut.
settings-unreadable-kept = Vos réglages n’ont pas pu être lus ({ $reason }) ni mis de côté ({ $error }). Coucou a démarré avec les réglages par défaut et n’écrira pas par-dessus { $path }.
settings-reset = Certains réglages n’ont pas pu être lus et ont repris leur valeur par défaut : { $names }.
transcript-header = Conversation Coucou — { $room } — exportée le { $when }
transcript-saved = Conversation enregistrée dans { $path }
transcript-saved-count = Conversation enregistrée dans { $path } ({ $count } messages)
could-not-save = Impossible d’enregistrer { $path } : { $error }
save-where = Tapez où enregistrer le fichier.
save-nothing = Il n’y a pas de conversation à enregistrer.
export-day-format = { $field } : écrivez le jour sous la forme AAAA-MM-JJ, comme 2026-12-02.
export-day-order = Le dernier jour vient avant le premier.
export-day-missing = Ce premier jour n’existe pas ici.
notify-private-title = { $name } (privé)
notify-open = Ouvrir
notify-room-title = { $name } dans { $room }

## Le journal de cet ordinateur et le fichier d’historique du salon

journal-moved-aside = Le journal des conversations de cet ordinateur { $path } n’a pas pu servir ({ $error }) ; il a été gardé sous { $kept } et un nouveau a commencé.
journal-unusable = Le journal des conversations de cet ordinateur est inutilisable ({ $error }) et n’a pas pu être mis de côté ({ $move_error }) ; les conversations ne sont pas gardées sur cet ordinateur.
journal-cannot-make = Le journal des conversations de cet ordinateur ne peut pas être créé ({ $error }) ; les conversations ne sont pas gardées sur cet ordinateur.
journal-stopped = Le journal des conversations de cet ordinateur s’est arrêté ({ $error }) ; la discussion continue.
store-moved-aside = Le fichier d’historique { $path } n’a pas pu servir ({ $error }) ; il a été gardé sous { $kept } et le salon commence avec un historique vide.

## Fichiers

size-bytes = { $count ->
    [one] { $count } octet
   *[other] { $count } octets
}
size-kb = { $number } ko
size-mb = { $number } Mo
size-gb = { $number } Go
plain-file = { $name } propose { $file } ({ $size }) au salon ; l’application Coucou peut le télécharger.
plain-file-private = { $name } vous propose { $file } ({ $size }) ; l’application Coucou peut le télécharger.
error-no-files = ce salon ne prend pas de fichiers
error-disk-full = le disque de l’hôte est plein : l’envoi s’est arrêté (il pourra reprendre quand il y aura de la place)
error-file-not-stored = l’hôte n’a pas pu enregistrer le fichier ; réessayez plus tard
error-too-many-transfers = trop de transferts de fichiers depuis votre adresse à la fois ; réessayez quand l’un d’eux sera fini
error-too-many-downloads = trop de téléchargements à la fois avec vos tickets ; réessayez quand l’un d’eux sera fini
error-file-too-large = ce fichier dépasse la limite de ce salon, { $max } ; il n’a pas été proposé
error-quota-full = ce salon n’a plus de place pour les fichiers ({ $free } libres) ; il n’a pas été proposé
error-bad-sha256 = une offre demande le SHA-256 du fichier en 64 chiffres hexadécimaux
error-no-such-file = pas de tel fichier ici (il a peut-être expiré, ou il n’est pas pour vous)
error-no-such-person = personne ne s’appelle { $name } ici pour recevoir un fichier
error-file-busy = ce fichier est déjà en cours d’envoi sur une autre connexion
error-file-larger = plus d’octets qu’annoncé ; l’envoi a été coupé et rien n’a été gardé
error-file-mismatch = les octets ne correspondent pas au SHA-256 proposé ; rien n’a été gardé
error-file-offset = cette position est au-delà de la fin du fichier
error-file-early = n’envoyez rien avant la réponse de l’hôte
chat-file = { $name } propose { $file } ({ $size }) au salon
chat-file-private = { $name } vous propose { $file } ({ $size })
chat-file-yours = Vous proposez { $file } ({ $size }) au salon
chat-file-yours-private = Vous proposez { $file } ({ $size }) à { $to }
file-download = Télécharger
file-saved = Enregistré dans { $path }
file-open = Ouvrir
file-show-folder = Afficher dans le dossier
file-open-failed = Rien n’a pu ouvrir { $path }.
file-sent = Envoyé
file-stopped = Arrêté : { $why }
file-retry = Reprendre
file-percent = { $percent } %
file-progress = { $percent } % · { $speed }/s · encore { $left } s
file-send = Envoyer un fichier…
file-not-here = On ne peut proposer des fichiers que dans un salon Coucou où l’on se trouve.
file-unreadable = { $name } n’a pas pu être lu : { $error }
file-save-as = Enregistrer sous…
file-save-title = Enregistrer le fichier
file-save-no-folder = Il n’y a pas de dossier où enregistrer { $path }.
file-save-exists = { $path } existe déjà : choisissez un autre nom.
file-sending = Envoi de { $name } ({ $size }) au salon
file-sending-to = Envoi de { $name } ({ $size }) à { $to }
file-dismiss = Retirer
file-save-fallback-text = La fenêtre d’enregistrement du système n’a pas pu s’ouvrir. Enregistrer le fichier sous :
file-open-title = Envoyer un fichier
file-open-fallback-text = La fenêtre de choix de fichier du système n’a pas pu s’ouvrir. Tapez le chemin du fichier à envoyer (ou déposez-le sur la fenêtre) :
file-open-button = Envoyer le fichier
file-open-missing = Il n’y a pas de fichier à { $path }.
file-cancelled = annulé
file-cut = la connexion à l’hôte a été coupée ; Reprendre repart d’où elle s’est arrêtée
file-disk-full = le disque est plein
file-not-allowed = le système ne le permet pas (droits)
file-gone = le fichier ou son dossier n’existe plus
file-system = le système a refusé ({ $kind })
file-mismatch = les octets ne sont pas ceux du fichier proposé (autre SHA-256) ; rien n’a été gardé
file-unexpected = l’hôte a répondu quelque chose d’inattendu
people-private = Message privé
people-ignore = Ignorer
people-unignore = Ne plus ignorer
people-send-file = Envoyer un fichier…
error-too-many-offers = vous avez des fichiers proposés pas encore envoyés ; envoyez-les d’abord

# Moderation: what moderators do, said in the server's own voice.
help-oper-title = Modération :
help-usage-oper = /oper <mot de passe>
help-oper = devenir modérateur avec le mot de passe de l’hôte
help-moderator-title = En tant que modérateur :
help-room-moderator-title = En tant que modérateur de ce salon (ici seulement) :
help-usage-kick = /kick <nom> [motif]
help-kick = faire sortir quelqu’un de l’hôte
help-kick-room = faire sortir quelqu’un de ce salon
help-usage-ban = /ban <nom|adresse> [10m|2h|3d] [motif]
help-ban = faire sortir quelqu’un et tenir son nom et son adresse à l’écart, un temps ou jusqu’à nouvel ordre
help-usage-unban = /unban <nom|adresse>
help-unban = lever un bannissement
help-usage-bans = /bans
help-bans = les bannissements et les personnes rendues muettes
help-usage-mute = /mute <nom> [10m|2h|3d] [motif]
help-mute = empêcher quelqu’un de parler, sous n’importe quel nom
help-mute-room = empêcher quelqu’un de parler dans ce salon, sous n’importe quel nom
help-usage-unmute = /unmute <nom>
help-unmute = lui rendre la parole
help-usage-lock = /lock
help-lock = seuls les modérateurs parlent dans ce salon
help-usage-unlock = /unlock
help-unlock = tout le monde parle à nouveau dans ce salon
help-usage-modlog = /modlog
help-modlog = ce que les modérateurs ont fait récemment
notice-oper = Vous êtes modérateur sur cet hôte jusqu’à votre départ. Tapez /help pour voir ce que vous pouvez faire.
notice-deoped = Vous n’êtes plus modérateur sur cet hôte.
moderation-kick = { $name } a été sorti de l’hôte par { $by }.
moderation-kick-remote = { $name } est sur un autre site : il lui a été demandé de retirer cette personne ({ $by }).
moderation-kick-room = { $name } a été sorti de ce salon par { $by }.
moderation-ban = { $name } a été banni de l’hôte par { $by }.
moderation-mute = { $name } a été rendu muet par { $by }.
moderation-mute-room = { $name } a été rendu muet dans ce salon par { $by }.
moderation-unban = Le bannissement de { $name } a été levé par { $by }.
moderation-unmute = { $name } peut parler à nouveau ({ $by }).
ignore-on = Vous ne voyez plus ce que dit { $name }, ici ou en privé (/unignore { $name } pour le revoir). Personne d’autre n’en sait rien.
ignore-off = Vous voyez de nouveau ce que dit { $name }.
ignore-on-here = Vous ne voyez plus ce que dit { $name }, dans les salons de cet hôte ou en privé, sur cet ordinateur, dès maintenant et à vos prochaines visites (/unignore { $name } pour le revoir). Personne d’autre n’en sait rien.
ignore-none = Vous n’ignorez personne.
ignore-list = Vous ignorez : { $names }.
error-ignore-self = vous ne pouvez pas vous ignorer vous-même
error-ignore-full = vous ignorez déjà { $max } personnes
help-usage-ignore = /ignore [nom]
help-ignore = ne plus voir ce que dit quelqu’un (sur votre écran seulement) ; seul, qui vous ignorez
help-usage-unignore = /unignore <nom>
help-unignore = revoir ce qu’il dit
moderation-op = { $name } est désormais modérateur ({ $by }).
moderation-deop = { $name } n’est plus modérateur ({ $by }).
moderation-op-room = { $name } est désormais modérateur de ce salon ({ $by }).
error-not-owner = seuls les propriétaires de l’hôte nomment des modérateurs
error-moderator-already = { $name } est déjà modérateur
error-room-moderator-device = { $name } n’a pas d’appareil (un terminal, ou une application plus ancienne) : seule une application peut modérer un salon
error-moderator-not = { $name } n’est pas modérateur
error-owner-protected = { $name } est l’un des propriétaires de l’hôte
moderation-lock = { $by } a verrouillé ce salon : seuls les modérateurs parlent.
moderation-unlock = { $by } a déverrouillé ce salon : tout le monde peut parler.
moderation-for = { $minutes ->
    [one] Pour une minute.
   *[other] Pour { $minutes } minutes.
}
moderation-until-lifted = Jusqu’à nouvel ordre.
moderation-reason = Motif : { $reason }
notice-bans-none = Aucun bannissement.
notice-bans-title = { $count ->
    [one] Un bannissement :
   *[other] { $count } bannissements :
}
notice-mutes-title = { $count ->
    [one] Une personne rendue muette :
   *[other] { $count } personnes rendues muettes :
}
notice-room-mutes-title = { $count ->
    [one] Une personne rendue muette dans ce salon :
   *[other] { $count } personnes rendues muettes dans ce salon :
}
notice-ban-line = { $shown }, par { $by }.
notice-bans-more = et { $count } de plus
notice-modlog-none = Le journal de modération est vide.
notice-modlog-title = Journal de modération (le plus récent en dernier) :
error-banned = vous êtes banni de cet hôte.
error-name-banned = ce nom est banni de cet hôte.
error-removed = vous avez été sorti de l’hôte par { $by }.
error-removed-room = vous avez été sorti du salon { $room } par { $by }.
error-muted = un modérateur vous empêche de parler.
error-muted-room = un modérateur de ce salon vous empêche d’y parler.
error-locked = ce salon est verrouillé : seuls les modérateurs parlent
error-locked-already = ce salon est déjà verrouillé
error-unlocked-already = ce salon n’est pas verrouillé
error-not-moderator = seul un modérateur peut faire cela
error-room-moderator-only = un modérateur de salon peut y sortir quelqu’un, le rendre muet, le verrouiller, le déverrouiller, le ralentir, y supprimer des messages et l’effacer ; le reste revient aux modérateurs de l’hôte
error-moderator-protected = { $name } est modérateur : les modérateurs ne peuvent pas se faire sortir ni se rendre muets entre eux
error-rules-full = la liste compte déjà { $max } entrées ; levez-en d’abord
error-not-banned = aucun bannissement pour { $name }
error-not-muted = { $name } n’est pas muet
error-oper-none = cet hôte n’a pas de mot de passe de modération
error-oper-tls = le mot de passe de modération ne s’envoie que par TLS
error-wrong-oper = ce n’est pas le mot de passe de modération
help-usage-slow = /slow <secondes|off>
help-slow = mode lent : un message par personne toutes les tant de secondes dans ce salon
help-usage-classroom = /classroom <on|off>
help-classroom = messages privés et fichiers seulement vers ou depuis les modérateurs
moderation-slow = { $by } a ralenti ce salon : un message toutes les { $seconds } s par personne.
moderation-slow-off = { $by } a mis fin au mode lent dans ce salon.
moderation-classroom = { $by } a activé le mode classe : messages privés et fichiers seulement vers ou depuis les modérateurs.
moderation-classroom-off = { $by } a désactivé le mode classe.
error-slow = mode lent : attendez { $seconds } s avant votre prochain message
error-slow-already = le mode lent est déjà réglé ainsi
error-classroom-already = le mode classe est déjà ainsi
error-classroom-private = mode classe : les messages privés vont seulement vers ou depuis les modérateurs
error-classroom-files = mode classe : les fichiers vont seulement vers ou depuis les modérateurs
mod-kick = Faire sortir
mod-op = Nommer modérateur
mod-deop = Retirer le rôle de modérateur
mod-ban = Bannir
mod-mute = Rendre muet
mod-for-10-minutes = Pour 10 minutes
mod-for-an-hour = Pour une heure
mod-for-a-day = Pour un jour
mod-until-lifted = Jusqu’à nouvel ordre
mod-menu = Modération
mod-lock = Verrouiller ce salon (seuls les modérateurs parlent)
mod-unlock = Déverrouiller ce salon
mod-clear = Effacer l’historique de ce salon…
mod-clear-confirm = L’effacer pour tout le monde (c’est définitif)
mod-slow = Mode lent
mod-slow-off = Désactivé
mod-slow-every = Un message toutes les { $seconds } s
mod-classroom-on = Activer le mode classe
mod-classroom-off = Désactiver le mode classe
mod-bans = Voir les bannis et les muets
mod-log = Voir le journal de modération
mod-room-mutes = Voir les muets de ce salon
rules-heading = Bannis et muets
rules-refresh = Actualiser
rules-close = Fermer
rules-asking = Question posée à l’hôte…
rules-none = Personne n’est banni ni rendu muet.
rules-banned = banni
rules-muted = muet
rules-muted-in = muet dans { $room }
rules-by = par { $name } · { $left }
rules-until-lifted = jusqu’à nouvel ordre
rules-left-minutes = encore { $minutes } min
rules-left-hours = encore { $hours } h
rules-left-days = { $days ->
    [one] encore 1 jour
   *[other] encore { $days } jours
}
rules-reason = Motif : { $reason }
rules-lift = Lever
rules-lift-ban = Lever le bannissement de { $name }
rules-lift-mute = Rendre la parole à { $name }
rules-more = { $count } autres non listés : levez-en pour les voir.
help-usage-delete = /delete <id du message>
help-delete = retirer un message du salon (son id : /search le montre)
help-usage-clear = /clear
help-clear = effacer l’historique de ce salon : parti des écrans, de la recherche et des journaux
help-usage-op = /op <nom>
help-op = (propriétaires de l’hôte) faire de quelqu’un un modérateur, son application aussi quand elle revient
help-usage-deop = /deop <nom>
help-deop = (propriétaires de l’hôte) retirer à un modérateur son rôle
moderation-deleted = Un message a été retiré par { $by }, modérateur.
moderation-cleared = { $by } a effacé l’historique de ce salon.
moderation-deleted-log = { $by } a retiré le message n° { $id } de { $name }.
error-no-such-message = pas de message n° { $id } parmi les messages récents du salon
mod-delete = Supprimer (modérateur)
host-no-randomness = cet ordinateur n’a pas fourni de nombres aléatoires pour les clés du salon

## L'auteur d'un message, réponses et réactions
notice-deleted-by-author = { $name } a supprimé ce message
error-not-yours = seul l'auteur peut changer un message, depuis la connexion qui l'a envoyé ou une suivante de la même application
error-bad-emoji = une réaction est un émoji (au plus { $max } octets, rien d'invisible)
error-reactions-yours = au plus { $max } réactions différentes de votre part sur un message
error-reactions-kinds = ce message a déjà { $max } réactions différentes
plain-edited = { $name } a modifié un message :
plain-reacted = { $name } a réagi { $emoji } au message de { $author }
plain-unreacted = { $name } a retiré { $emoji } du message de { $author }

## Réponses, modifications et réactions dans la fenêtre
menu-reply = Répondre
menu-edit = Modifier
menu-delete = Supprimer
reply-earlier = un message plus ancien
reply-jump = Montrer le message auquel celui-ci répond
replying-to = En réponse à { $name } : { $text }
editing = Modification de votre message
aside-stop = Arrêter (Échap)
message-edited = (modifié)
reaction-who = { $emoji } de { $names }
react-with = Réagir avec { $emoji }
mention-who = Mentionner :
screenshot-name = Capture d'écran { $when }.png
file-not-a-picture = ce n'est pas l'image que son nom annonce, il n'est pas envoyé (il pourrait cacher où elle a été prise)
file-picture-too-large = il est trop gros pour une image (64 Mo et 64 millions de pixels au plus), il n'est pas envoyé
paste-too-large = Cette image est trop grande pour être envoyée (64 millions de pixels au plus).
picture-alt = Image { $name }
picture-size = { $width } × { $height } pixels ; cliquez pour la voir en grand
picture-loading = Chargement de l'image…
picture-too-large = Cette image est trop grande pour être montrée ici ; enregistrez-la pour la voir.
picture-unreadable = Cette image est abîmée, ou ce n'est pas un PNG, un JPEG, un GIF ni un WebP.
picture-missing = Cette image n'est plus sur cet ordinateur.

# The web page (its HTTP answers, and a WebSocket's end)
error-websocket-closed = le WebSocket est fermé
error-websocket-protocol = les règles du WebSocket n’ont pas été suivies (une trame non masquée, un bit réservé, une trame de contrôle découpée ou trop longue) ; fermeture
error-websocket-binary = seules les trames de texte sont acceptées ici, un message JSON chacune ; fermeture
error-websocket-utf8 = une trame de texte qui n’est pas en UTF-8 ; fermeture
error-websocket-too-big = un message plus long que la limite (16 Kio) ; fermeture
web-method = seul GET (et PUT, pour un fichier) reçoit une réponse ici
web-bad-request = cette requête ne se lit pas comme du HTTP/1.1
web-not-found = rien ici : la page du salon est à /
web-websocket-version = seule la version 13 de WebSocket est parlée ici
web-origin = seule la page de ce salon peut ouvrir son WebSocket ou lui envoyer des fichiers
web-length = un fichier s’envoie avec sa longueur (Content-Length), d’un seul tenant
error-file-length = le corps de la requête n’a pas la taille du fichier proposé
web-websocket-key = la clé WebSocket n’est pas le base64 de 16 octets
web-too-slow = la requête n’est pas arrivée à temps
web-too-large = les en-têtes de la requête sont trop longs

# The Host panel: the web page for phones
host-phones = Depuis un téléphone ou un navigateur
host-phones-hint = Téléphones, tablettes et ordinateurs du réseau ouvrent cette adresse, ou en scannent le code avec l’appareil photo, pour entrer sans rien installer.
host-phones-password = Ce salon a un mot de passe : la page est en https, et on y tape le mot de passe. Il est ainsi à l’abri des oreilles indiscrètes, mais un navigateur ne peut pas vérifier le code du salon comme le fait l’application.
