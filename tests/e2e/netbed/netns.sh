#!/usr/bin/env bash
# The network test bed's topology (docs/p2p.md), in network namespaces of its own:
#
#   PREFIX-pub  203.0.113.10      the public host: `roundtable signal --web`, coturn
#        |
#   PREFIX-wan  bridge, .1        "the internet": a switch, and at 203.0.113.1 the
#                                 upstream that everyone's default route points at;
#                                 it forwards nothing (private addresses are not
#                                 routed on the internet: packets to them vanish)
#     |                  |
#   PREFIX-ra            PREFIX-rb     home routers: WAN 203.0.113.2 / .3, NAT
#   LAN 192.168.1.1      LAN 192.168.2.1  (MASQUERADE), unsolicited inbound dropped
#     |                  |
#   PREFIX-ha            PREFIX-hb     the author's machine (hub, MCP, browser A)
#   192.168.1.10         192.168.2.20  and the remote reviewer's (browser B)
#
# Nothing here has a route to any real network: the namespaces reach only
# each other.
#
#   netns.sh up PREFIX             create it (cone NAT: port-preserving MASQUERADE)
#   netns.sh nat PREFIX cone|symmetric   switch both routers' NAT
#   netns.sh down PREFIX           kill every process in it and delete it
#   netns.sh sweep                 delete beds left behind by killed runs (rtbed*)
set -euo pipefail

cmd="${1:?up|nat|down|sweep}"
P="${2:-}"
NAMES=(pub wan ra rb ha hb)

nsx() { local ns="$1"; shift; ip netns exec "$P-$ns" "$@"; }

down() {
  for n in "${NAMES[@]}"; do
    local ns="$P-$n"
    ip netns list | grep -qw "$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

router_nat() {  # router, mode
  local r="$1" mode="$2"
  nsx "$r" iptables -t nat -F POSTROUTING
  if [ "$mode" = symmetric ]; then
    # A new external port for every destination: what STUN learns is useless
    # to the peer, so only TURN gets through.
    nsx "$r" iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE --random-fully
  else
    nsx "$r" iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE
  fi
}

router() {  # name, wan address, lan prefix (192.168.N)
  local r="$1" wan="$2" lan="$3"
  ip link add wan0 netns "$P-$r" type veth peer name "$r" netns "$P-wan"
  nsx wan ip link set "$r" master br0 up
  ip link add lan0 netns "$P-$r" type veth peer name eth0 netns "$P-h${r#r}"
  nsx "$r" ip addr add "$wan/24" dev wan0
  nsx "$r" ip addr add "$lan.1/24" dev lan0
  nsx "$r" ip link set wan0 up
  nsx "$r" ip link set lan0 up
  nsx "$r" ip route add default via 203.0.113.1
  nsx "$r" sysctl -qw net.ipv4.ip_forward=1
  # A home router: out from the LAN, and back in only what answers it.
  nsx "$r" iptables -P FORWARD DROP
  nsx "$r" iptables -A FORWARD -i lan0 -o wan0 -j ACCEPT
  nsx "$r" iptables -A FORWARD -i wan0 -o lan0 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  nsx "$r" iptables -P INPUT DROP
  nsx "$r" iptables -A INPUT -i lan0 -j ACCEPT
  nsx "$r" iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  router_nat "$r" cone
}

host() {  # name, address, gateway
  local h="$1" addr="$2" gw="$3"
  nsx "$h" ip addr add "$addr/24" dev eth0
  nsx "$h" ip link set eth0 up
  nsx "$h" ip route add default via "$gw"
}

case "$cmd" in
  up)
    [ -n "$P" ] || { echo "netns.sh up PREFIX" >&2; exit 2; }
    down
    for n in "${NAMES[@]}"; do
      ip netns add "$P-$n"
      nsx "$n" ip link set lo up
    done
    nsx wan ip link add br0 type bridge
    nsx wan ip addr add 203.0.113.1/24 dev br0
    nsx wan ip link set br0 up
    nsx wan sysctl -qw net.ipv4.ip_forward=0
    ip link add eth0 netns "$P-pub" type veth peer name pub netns "$P-wan"
    nsx wan ip link set pub master br0 up
    nsx pub ip addr add 203.0.113.10/24 dev eth0
    nsx pub ip link set eth0 up
    # Like any host on the internet, a default route: a TURN server relaying
    # to a peer's private address must see it dropped upstream, not get
    # "network unreachable" (coturn closes the allocation on that).
    nsx pub ip route add default via 203.0.113.1
    router ra 203.0.113.2 192.168.1
    router rb 203.0.113.3 192.168.2
    host ha 192.168.1.10 192.168.1.1
    host hb 192.168.2.20 192.168.2.1
    ;;
  nat)
    router_nat ra "${3:?cone|symmetric}"
    router_nat rb "$3"
    # UDP mappings made under the old rule would otherwise live on. TCP
    # connections are left alone: flushing them would cut the hub's open
    # WebSocket to the relay without a word (its next packets leave from
    # another port and the relay's answers are dropped) until its next ping,
    # up to 15 s, which is the test bed's doing, not a NAT's.
    nsx ra conntrack -D -p udp >/dev/null 2>&1 || true
    nsx rb conntrack -D -p udp >/dev/null 2>&1 || true
    ;;
  down)
    [ -n "$P" ] || { echo "netns.sh down PREFIX" >&2; exit 2; }
    down
    ;;
  sweep)
    for ns in $(ip netns list | awk '{print $1}' | grep -E '^rtbed[0-9a-z]*-(pub|wan|ra|rb|ha|hb)$' || true); do
      P="${ns%-*}" down
    done
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
