#!/usr/bin/env bash
# Install, or upgrade, a Helpline instance on a fresh Debian 12 server as a hardened systemd
# service (docs/operations.md, "Install"). Run it as root from a checkout:
#
#   sudo ./deploy/install-debian.sh [--hardened | --unattended] [--admin-id ID]
#                                   [--token-file FILE] [--no-start] [--dry-run]
#
# It is safe to run again (an upgrade is the same command from a newer checkout): it installs
# python3-venv, creates the system user helpline-bot and the directories, copies this checkout
# to /opt/helpline-bot/app and installs it into /opt/helpline-bot/venv, installs the unit and
# helpline-admin, asks for the bot token (once), makes the keyring (once), sets
# SIGNING_KEY_FINGERPRINT (once), runs `helpline-bot check` and (re)starts the service.
# Nothing that exists is overwritten: not the token, the passphrase, the keyring, the settings.
# --dry-run prints the steps and changes nothing (it needs no root).
#
# The mode (docs/threat-model.md): --hardened (the default on a new server) keeps the keyring
# passphrase off the disk: the service starts locked and `helpline-admin unlock` unlocks it
# until the next reboot. --unattended stores the passphrase on the server, so the service
# unlocks by itself after a reboot, and a seized powered-off disk opens the keyring. Without
# either flag a re-run keeps the mode the server has.
set -euo pipefail
umask 022

USER_NAME=helpline-bot
PREFIX=/opt/helpline-bot
APP=$PREFIX/app
VENV=$PREFIX/venv
ETC=/etc/helpline-bot
CREDS=$ETC/credentials
ENV_FILE=$ETC/helpline-bot.env
STATE=/var/lib/helpline-bot
UNIT=/etc/systemd/system/helpline-bot.service
DROPIN=/etc/systemd/system/helpline-bot.service.d/unattended.conf
ADMIN=/usr/local/sbin/helpline-admin
SRC=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# What is copied from the checkout: the code, the content and migrations it reads, the docs.
PARTS=(pyproject.toml README.md bot handlers content migrations deploy docs)

DRY_RUN=0
MODE=""
ADMIN_ID=""
TOKEN_FILE=""
START=1

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'install-debian: %s\n' "$1" >&2
    exit "${2:-1}"
}
usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

# Each change goes through run (or says what it would write): --dry-run prints instead.
run() {
    if ((DRY_RUN)); then
        printf '    %s\n' "$*"
    else
        "$@"
    fi
}

parse_args() {
    while (($#)); do
        case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --hardened) MODE=hardened ;;
        --unattended) MODE=unattended ;;
        --no-start) START=0 ;;
        --admin-id)
            (($# >= 2)) || die "--admin-id needs your numeric Telegram user id" 2
            ADMIN_ID=$2
            shift
            ;;
        --token-file)
            (($# >= 2)) || die "--token-file needs a file holding the bot token" 2
            TOKEN_FILE=$2
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) die "unknown option $1 (see --help)" 2 ;;
        esac
        shift
    done
    if [[ -n $ADMIN_ID && ! $ADMIN_ID =~ ^[1-9][0-9]{0,19}$ ]]; then
        die "--admin-id must be a positive numeric Telegram user id" 2
    fi
    if [[ -n $TOKEN_FILE && ! -r $TOKEN_FILE ]]; then
        die "--token-file $TOKEN_FILE cannot be read" 2
    fi
}

preflight() {
    [[ -f $SRC/pyproject.toml && -d $SRC/bot ]] || die "$SRC is not a Helpline checkout" 2
    if ((DRY_RUN)); then
        say "dry run: nothing is changed; these are the steps for this server"
        return
    fi
    ((EUID == 0)) || die "run it as root: sudo $0" 2
    [[ -f /etc/debian_version ]] || die "this script is for Debian (12 or newer)" 2
    [[ -d /run/systemd/system ]] || die "systemd is not running here; see the Docker setup" 2
}

choose_mode() {
    if [[ -z $MODE ]]; then
        if [[ -e $DROPIN ]]; then MODE=unattended; else MODE=hardened; fi
    fi
    say "mode: $MODE (docs/threat-model.md says what each protects)"
}

install_packages() {
    say "installing Python and its venv module"
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        python3 python3-venv ca-certificates util-linux
    if ((!DRY_RUN)); then
        python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
            die "Python 3.11 or newer is needed (Debian 12 has 3.11)" 2
    fi
}

create_user_and_dirs() {
    if id -u "$USER_NAME" >/dev/null 2>&1; then
        say "system user $USER_NAME exists"
    else
        say "creating the system user $USER_NAME"
        run useradd --system --user-group --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin "$USER_NAME"
    fi
    say "directories"
    run install -d -m 0755 -o root -g root "$PREFIX" "$ETC"
    run install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$CREDS" "$STATE"
}

install_code() {
    say "copying $SRC to $APP and installing it into $VENV"
    run rm -rf "$APP.new" "$APP.old"
    run install -d -m 0755 "$APP.new"
    if ((DRY_RUN)); then
        printf '    tar -C %s -c %s | tar -C %s -x\n' "$SRC" "${PARTS[*]}" "$APP.new"
    else
        tar -C "$SRC" --exclude=__pycache__ --exclude='*.egg-info' -cf - "${PARTS[@]}" |
            tar -C "$APP.new" --no-same-owner -xf -
    fi
    if [[ -d $APP ]]; then run mv "$APP" "$APP.old"; fi
    run mv "$APP.new" "$APP"
    run rm -rf "$APP.old"
    [[ -x $VENV/bin/python ]] || run python3 -m venv "$VENV"
    run "$VENV/bin/pip" install --quiet --disable-pip-version-check --editable "$APP"
    run "$VENV/bin/python" -m compileall -q "$APP/bot" "$APP/handlers"
    run install -m 0644 "$APP/deploy/helpline-bot.service" "$UNIT"
    run install -m 0755 "$APP/deploy/helpline-admin" "$ADMIN"
}

write_settings() {
    if [[ -e $ENV_FILE ]]; then
        say "settings: $ENV_FILE kept"
        return
    fi
    if [[ -z $ADMIN_ID && -t 0 ]] && ((!DRY_RUN)); then
        read -r -p "Your numeric Telegram user id (the admin; empty to set it later): " ADMIN_ID
        [[ -z $ADMIN_ID || $ADMIN_ID =~ ^[1-9][0-9]{0,19}$ ]] || die "not a numeric user id" 2
    fi
    say "settings: writing $ENV_FILE (no secrets; ADMIN_IDS=${ADMIN_ID:-<empty>})"
    ((DRY_RUN)) && return
    cat >"$ENV_FILE" <<EOF
# Helpline settings (the README's configuration table), read by the service and helpline-admin.
# KEY=VALUE lines, no quotes. Secrets do not go here: they are in $CREDS.
ADMIN_IDS=$ADMIN_ID
LOG_LEVEL=INFO
EOF
    chmod 0600 "$ENV_FILE"
}

write_token() {
    local target=$CREDS/bot_token token=""
    if [[ -s $target ]]; then
        say "bot token: kept"
        return
    fi
    say "bot token: into $target (0600, $USER_NAME)"
    ((DRY_RUN)) && return
    if [[ -n $TOKEN_FILE ]]; then
        token=$(tr -d '[:space:]' <"$TOKEN_FILE")
    elif [[ -t 0 ]]; then
        read -r -s -p "Bot token from @BotFather (not shown): " token
        echo
    else
        die "no terminal to ask the bot token on: use --token-file FILE" 2
    fi
    [[ $token =~ ^[0-9]{5,}:[A-Za-z0-9_-]{30,}$ ]] ||
        die "that is not a bot token (it looks like 123456789:AA...; ask @BotFather)" 2
    (umask 077 && printf '%s\n' "$token" >"$target")
    chown "$USER_NAME:$USER_NAME" "$target"
}

apply_mode() {
    local passfile=$CREDS/key_passphrase
    if [[ $MODE == unattended ]]; then
        if [[ ! -s $passfile ]]; then
            if [[ -e $STATE/keys/keyring.json ]]; then
                die "unattended mode needs the existing keyring's passphrase in $passfile (owner $USER_NAME, mode 0600): put it there, then run this again" 2
            fi
            say "passphrase: generating one into $passfile (write it down offline too)"
            if ((!DRY_RUN)); then
                (umask 077 && cd / && "$VENV/bin/helpline-bot" keys passphrase >"$passfile")
                chown "$USER_NAME:$USER_NAME" "$passfile"
            fi
        fi
        run install -d -m 0755 "$(dirname "$DROPIN")"
        run install -m 0644 "$APP/deploy/unattended.conf" "$DROPIN"
    elif [[ -e $DROPIN || -e $passfile ]]; then
        say "hardened mode: removing the unattended drop-in and shredding the stored passphrase"
        [[ ! -e $passfile ]] || ((DRY_RUN)) || confirm_passphrase_known "$passfile"
        run rm -f "$DROPIN"
        [[ ! -e $passfile ]] || run shred -u "$passfile"
    fi
    run systemctl daemon-reload
}

# Shredding the only copy of the passphrase would lock the keyring for good: the operator
# proves they have it by typing it.
confirm_passphrase_known() {
    local typed
    [[ -t 0 ]] || die "going hardened shreds the stored passphrase: run this on a terminal" 2
    read -r -s -p "Type the keyring passphrase (it is about to be removed from the server): " typed
    echo
    [[ $typed == "$(head -n 1 "$1")" ]] ||
        die "that is not the stored passphrase; nothing was changed (sudo cat $1, write it down)" 2
}

make_keyring() {
    local keys=$STATE/keys
    if [[ -e $keys/keyring.destroyed ]]; then
        die "the keyring in $keys was destroyed on purpose: a new instance needs a new server or new directories (docs/operations.md)" 2
    fi
    if [[ -e $keys/keyring.json ]]; then
        say "keyring: kept"
        return
    fi
    say "keyring: helpline-admin keys init"
    if [[ $MODE == hardened && ! -t 0 ]] && ((!DRY_RUN)); then
        die "hardened mode types the passphrase: run this on a terminal" 2
    fi
    run "$ADMIN" keys init
}

pin_fingerprint() {
    if grep -q '^SIGNING_KEY_FINGERPRINT=.' "$ENV_FILE" 2>/dev/null; then
        say "SIGNING_KEY_FINGERPRINT: kept"
        return
    fi
    say "SIGNING_KEY_FINGERPRINT: from helpline-admin keys status into $ENV_FILE"
    ((DRY_RUN)) && return
    local fingerprint
    fingerprint=$("$ADMIN" keys status | sed -n 's/^alert signing key fingerprint: //p' | tr -d ' ')
    [[ -n $fingerprint ]] || die "keys status printed no fingerprint" 1
    printf 'SIGNING_KEY_FINGERPRINT=%s\n' "$fingerprint" >>"$ENV_FILE"
}

check_and_start() {
    say "helpline-admin check"
    if ((!DRY_RUN)) && ! "$ADMIN" check; then
        die "check found problems (above): fix them and run this script again; the service was not started" 1
    fi
    run systemctl enable --quiet helpline-bot
    if ((START)); then
        say "(re)starting the service"
        run systemctl restart helpline-bot
    fi
}

summary() {
    ((DRY_RUN)) && return
    say "done. Logs: journalctl -u helpline-bot -f   Commands: sudo helpline-admin --help"
    "$ADMIN" keys status | sed -n 's/^alert signing key fingerprint:/publish this fingerprint:/p'
    if [[ $MODE == hardened ]]; then
        say "hardened mode: the service runs locked until you run: sudo helpline-admin unlock"
    fi
}

main() {
    parse_args "$@"
    preflight
    choose_mode
    install_packages
    create_user_and_dirs
    install_code
    write_settings
    write_token
    apply_mode
    make_keyring
    pin_fingerprint
    check_and_start
    summary
}

main "$@"
