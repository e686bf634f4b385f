/*
 * A classic C chat server written the way the seed (../shared/seed/) describes it, for the app's
 * "Classic C server" test: a thread per client, the name read first as one recv() of at most 32
 * bytes and kept as it came (a trailing newline stays in the name, as in the seed), "<name> a
 * rejoint le serveur" and "<name> a quitté le serveur" sent to everyone, every message relayed as
 * received to everyone else (the seed's client writes "name: text"), "coucou" answered with a bare
 * "Bonjour" (no name, no newline) to everyone, "exit" to leave.
 *
 * Usage: seed_server        listens on 127.0.0.1 and a free port, prints "port N" on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER_SZ 2048
#define NAME_LEN 32
#define MAX_CLIENTS 100

static int clients[MAX_CLIENTS];
static pthread_mutex_t clients_mutex = PTHREAD_MUTEX_INITIALIZER;

static void send_all(const char *msg, size_t len, int except_fd) {
    pthread_mutex_lock(&clients_mutex);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i] > 0 && clients[i] != except_fd) {
            send(clients[i], msg, len, MSG_NOSIGNAL);
        }
    }
    pthread_mutex_unlock(&clients_mutex);
}

static void set_client(int from, int to) {
    pthread_mutex_lock(&clients_mutex);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i] == from) {
            clients[i] = to;
            break;
        }
    }
    pthread_mutex_unlock(&clients_mutex);
}

/* True when the message, after the client's "name: " prefix, is `word` (newline or not). */
static int says(const char *buffer, const char *word) {
    const char *text = strstr(buffer, ": ");
    text = text ? text + 2 : buffer;
    size_t n = strlen(word);
    return strncmp(text, word, n) == 0 && (text[n] == '\0' || text[n] == '\n' || text[n] == '\r');
}

static void *handle_client(void *arg) {
    int fd = (int)(long)arg;
    char name[NAME_LEN + 1] = {0};
    char buffer[BUFFER_SZ + 1];
    char out[BUFFER_SZ + 64];
    ssize_t n = recv(fd, name, NAME_LEN, 0);
    if (n <= 0) {
        close(fd);
        return NULL;
    }
    set_client(0, fd);
    int len = snprintf(out, sizeof out, "%s a rejoint le serveur\n", name);
    send_all(out, (size_t)len, -1);
    for (;;) {
        n = recv(fd, buffer, BUFFER_SZ, 0);
        if (n <= 0) {
            break;
        }
        buffer[n] = '\0';
        if (strncmp(buffer, "exit", 4) == 0) {
            break;
        }
        send_all(buffer, (size_t)n, fd);
        if (says(buffer, "coucou")) {
            send_all("Bonjour", 7, -1);
        }
    }
    set_client(fd, 0);
    len = snprintf(out, sizeof out, "%s a quitté le serveur\n", name);
    send_all(out, (size_t)len, -1);
    close(fd);
    return NULL;
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int listenfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(listenfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listenfd, 16) < 0) {
        perror("seed_server");
        return 1;
    }
    socklen_t addr_len = sizeof addr;
    getsockname(listenfd, (struct sockaddr *)&addr, &addr_len);
    printf("port %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    for (;;) {
        int fd = accept(listenfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        pthread_t tid;
        pthread_create(&tid, NULL, handle_client, (void *)(long)fd);
        pthread_detach(tid);
    }
}
