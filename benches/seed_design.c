/*
 * The seed's design, for benchmarks only: the classic C chat described in ../shared/seed/.
 *
 * One thread per client, a fixed table of clients, and one global mutex under which every
 * broadcast writes to every socket with a blocking send(). The name comes first (up to 32 bytes),
 * joins and leaves are announced, "coucou" is answered with "Bonjour", "exit" leaves. Lines are
 * relayed as received to everyone but the sender.
 *
 * Two departures from the seed, both so the scenarios can run at all: the table size is an argument
 * (the seed has 100), and there is no sleep(1) after each accept (1,000 joins would take 17 minutes).
 * The faults the benchmarks are meant to show are kept: a client that stops reading blocks a send()
 * made under the global lock, and then the whole room.
 *
 * Usage: seed_design PORT [MAX_CLIENTS]      (listens on 127.0.0.1 only)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER_SZ 2048
#define NAME_LEN 32

typedef struct {
    int fd;
    int uid;
    char name[NAME_LEN + 1];
} client_t;

static client_t **clients;
static int max_clients = 100;
static int n_clients = 0;
static pthread_mutex_t clients_mutex = PTHREAD_MUTEX_INITIALIZER;

/* Sends to every client but `except_uid`, under the global lock, with blocking writes. */
static void broadcast(const char *msg, size_t len, int except_uid) {
    pthread_mutex_lock(&clients_mutex);
    for (int i = 0; i < max_clients; i++) {
        client_t *c = clients[i];
        if (c && c->uid != except_uid) {
            size_t off = 0;
            while (off < len) {
                ssize_t n = send(c->fd, msg + off, len - off, MSG_NOSIGNAL);
                if (n <= 0) {
                    break;
                }
                off += (size_t)n;
            }
        }
    }
    pthread_mutex_unlock(&clients_mutex);
}

static int add_client(client_t *cl) {
    int added = 0;
    pthread_mutex_lock(&clients_mutex);
    for (int i = 0; i < max_clients; i++) {
        if (!clients[i]) {
            clients[i] = cl;
            n_clients++;
            added = 1;
            break;
        }
    }
    pthread_mutex_unlock(&clients_mutex);
    return added;
}

static void remove_client(int uid) {
    pthread_mutex_lock(&clients_mutex);
    for (int i = 0; i < max_clients; i++) {
        if (clients[i] && clients[i]->uid == uid) {
            clients[i] = NULL;
            n_clients--;
            break;
        }
    }
    pthread_mutex_unlock(&clients_mutex);
}

static void trim_newline(char *s) {
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r') {
            *s = '\0';
            return;
        }
    }
}

static void *handle_client(void *arg) {
    client_t *cl = arg;
    char buffer[BUFFER_SZ + 1];
    char out[BUFFER_SZ + 64];
    char name[NAME_LEN + 1] = {0};

    ssize_t n = recv(cl->fd, name, NAME_LEN, 0);
    if (n > 0) {
        name[n] = '\0';
        trim_newline(name);
    }
    if (n <= 0 || strlen(name) < 2) {
        close(cl->fd);
        free(cl);
        return NULL;
    }
    strcpy(cl->name, name);
    if (!add_client(cl)) {
        const char *full = "Server full\n";
        send(cl->fd, full, strlen(full), MSG_NOSIGNAL);
        close(cl->fd);
        free(cl);
        return NULL;
    }
    int len = snprintf(out, sizeof out, "%s has joined\n", cl->name);
    broadcast(out, (size_t)len, cl->uid);

    for (;;) {
        n = recv(cl->fd, buffer, BUFFER_SZ, 0);
        if (n <= 0) {
            break;
        }
        buffer[n] = '\0';
        if (strncmp(buffer, "exit", 4) == 0 && (n == 4 || buffer[4] == '\n' || buffer[4] == '\r')) {
            break;
        }
        if (strncmp(buffer, "coucou", 6) == 0 && (n == 6 || buffer[6] == '\n' || buffer[6] == '\r')) {
            broadcast("Bonjour\n", 8, -1);
            continue;
        }
        broadcast(buffer, (size_t)n, cl->uid);
    }
    len = snprintf(out, sizeof out, "%s has left\n", cl->name);
    remove_client(cl->uid);
    broadcast(out, (size_t)len, cl->uid);
    close(cl->fd);
    free(cl);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [MAX_CLIENTS]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    if (argc > 2) {
        max_clients = atoi(argv[2]);
    }
    clients = calloc((size_t)max_clients, sizeof *clients);
    signal(SIGPIPE, SIG_IGN);

    int listenfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)port);
    if (bind(listenfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listenfd, 1024) < 0) {
        perror("seed_design: bind/listen");
        return 1;
    }
    printf("seed_design listening on 127.0.0.1:%d\n", port);
    fflush(stdout);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int uid = 10;
    for (;;) {
        int connfd = accept(listenfd, NULL, NULL);
        if (connfd < 0) {
            if (errno == EINTR || errno == EMFILE || errno == ENFILE) {
                continue;
            }
            perror("seed_design: accept");
            continue;
        }
        client_t *cl = calloc(1, sizeof *cl);
        cl->fd = connfd;
        cl->uid = uid++;
        pthread_t tid;
        if (pthread_create(&tid, &attr, handle_client, cl) != 0) {
            close(connfd);
            free(cl);
        }
    }
}
