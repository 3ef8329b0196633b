# bash completion for agentctl (installed as /usr/share/bash-completion/completions/agentctl).
# Subcommands and flags are read from agentctl's own --help (CLI11's "Options:" and
# "Subcommands:" sections), so they follow the binary; container names and ids from
# `agentctl ps -a`, which needs agentd's token (root).

# The words of one section of `agentctl WORDS... --help`: flags (-a, --all) or subcommands.
_agentctl_help_section() {
    local section=$1
    shift
    "$@" --help 2>/dev/null | awk -v want="$section" '
        /^[A-Za-z].*:$/ { in_section = ($0 == want ":"); next }
        in_section && /^  [^ ]/ {
            if (want == "Options") {
                split($1, names, ",")
                for (i in names) if (names[i] ~ /^-/) print names[i]
            } else {
                print $1
            }
        }'
}

# Names and ids of agentd's containers, stopped ones included: `agentctl [GLOBAL...] ps -a`.
_agentctl_containers() {
    "$@" ps -a 2>/dev/null | awk '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == "NAME") name = i; next }
        { print $1; if (name) print $name }'
}

_agentctl() {
    local cur prev words cword
    _init_completion || return

    local ctl=${words[0]} i word path=() sub global=()
    # The subcommand path so far (policy explain, image rm...): the words that are
    # subcommands where they stand; flags and their values are passed over.
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        # Which agentd: passed on to `ps -a` for container names.
        case $word in
            --state-dir | --api | --token-file | --tls-ca) global+=("$word" "${words[i + 1]}") ;;
        esac
        [[ $word == -* ]] && continue
        _agentctl_help_section Subcommands "$ctl" "${path[@]}" | grep -qx -- "$word" && path+=("$word")
    done

    case $prev in
        --state-dir | --data-dir | --token-file | --tls-ca | --policy-dir | -v | --volume)
            _filedir
            return
            ;;
        --config | --seccomp-profile)
            _filedir '@(yaml|yml|json)'
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_agentctl_help_section Options "$ctl" "${path[@]}")" -- "$cur")
        return
    fi

    local subs
    subs=$(_agentctl_help_section Subcommands "$ctl" "${path[@]}")
    if [[ -n $subs ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
        return
    fi

    sub=${path[*]}
    case $sub in
        "policy validate")
            _filedir '@(yaml|yml)'
            ;;
        "image load" | "image import")
            _filedir
            ;;
        run | "image ls" | "image prune" | ps | info | "policy list" | "policy reload") ;;
        *)
            mapfile -t COMPREPLY < <(compgen -W "$(_agentctl_containers "$ctl" "${global[@]}")" -- "$cur")
            ;;
    esac
} &&
    complete -F _agentctl agentctl
