#!/usr/bin/env python3
"""ns-3 side of the bulk-transfer benchmark (see README.md beside this file).

Two nodes joined by one point-to-point link; a BulkSendApplication on node 0 writes
--bytes over TCP (TcpCubic, MSS 1448, SACK and timestamps on, 6 MB socket buffers) to a
PacketSink on node 1. With --loss P a RateErrorModel (per packet) drops packets at the
receiving device: on the data direction only (--loss-dirs data) or on both devices, so that
ACKs are lost too (--loss-dirs both, which is what tcplab's `loss` parameter means).

Prints one JSON line. bytes_received, sim_time_s (simulated instant at which the sink had
everything; the applications start at t = 0, so this is the whole transfer including the
handshake) and wall_s (wall time of Simulator::Run alone, time.perf_counter) come first;
the other keys are informative.

Needs the PyPI package ns3 (3.44 line), whose bindings are cppyy-based: `from ns import ns`.
"""

import argparse
import json
import os
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bytes", type=int, default=100_000_000, help="bytes to send (default 100000000)")
    p.add_argument("--rate", default="1Gbps", help="link DataRate, ns-3 syntax (default 1Gbps)")
    p.add_argument("--delay", default="5ms", help="one-way link Delay, ns-3 syntax (default 5ms)")
    p.add_argument("--loss", type=float, default=0.0, help="per-packet loss probability (default 0)")
    p.add_argument("--loss-dirs", choices=["data", "both"], default="data",
                   help="error model on the receiver's device only (data) or on both devices (both)")
    p.add_argument("--mss", type=int, default=1448, help="TcpSocket::SegmentSize (default 1448)")
    p.add_argument("--buf", type=int, default=6 * 1024 * 1024, help="Snd/RcvBufSize in bytes (default 6 MiB)")
    p.add_argument("--queue", type=int, default=1000,
                   help="device (DropTail) queue in packets (default 1000, tcplab's default; the BDP is ~860)")
    p.add_argument("--keep-qdisc", action="store_true",
                   help="keep the FqCoDel queue disc Ipv4AddressHelper installs (default: remove it)")
    p.add_argument("--cc", default="ns3::TcpCubic", help="TCP congestion control TypeId (default ns3::TcpCubic)")
    p.add_argument("--seed", type=int, default=1, help="RngSeedManager seed (default 1)")
    p.add_argument("--run", type=int, default=1, help="RngSeedManager run (default 1)")
    p.add_argument("--max-sim", type=float, default=3600.0, help="stop the simulation at this simulated time, s")
    return p.parse_args(argv)


# Completion is detected in C++: a Python callback on every received packet would put the
# interpreter (~70,000 calls through cppyy) inside the timed Simulator::Run.
COMPLETION_CPP = r"""
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/applications-module.h"
#include "ns3/internet-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

namespace tcplab_bench {
static uint64_t g_target = 0;
static uint64_t g_received = 0;
static int64_t g_done_ns = -1;
static uint64_t g_rx_drops = 0;
static uint64_t g_data_tx = 0;
static uint64_t g_queue_drops = 0;
static uint32_t g_data_min = 0;
static uint64_t g_tc_drops = 0;

inline void OnSinkRx(ns3::Ptr<const ns3::Packet> p, const ns3::Address &) {
    g_received += p->GetSize();
    if (g_done_ns < 0 && g_received >= g_target) {
        g_done_ns = ns3::Simulator::Now().GetNanoSeconds();
        ns3::Simulator::Stop();
    }
}
inline void OnPhyRxDrop(ns3::Ptr<const ns3::Packet>) { ++g_rx_drops; }
inline void OnMacTx(ns3::Ptr<const ns3::Packet> p) { if (p->GetSize() > g_data_min) ++g_data_tx; }
inline void OnMacTxDrop(ns3::Ptr<const ns3::Packet>) { ++g_queue_drops; }
inline void OnTcDrop(ns3::Ptr<const ns3::Packet>) { ++g_tc_drops; }

inline void Arm(ns3::Ptr<ns3::Application> app, uint64_t target) {
    g_target = target;
    g_received = 0;
    g_done_ns = -1;
    app->TraceConnectWithoutContext("Rx", ns3::MakeCallback(&OnSinkRx));
}
inline void CountDrops(ns3::Ptr<ns3::NetDevice> dev) {
    dev->TraceConnectWithoutContext("PhyRxDrop", ns3::MakeCallback(&OnPhyRxDrop));
}
// Counts the data packets the sender's device accepts (originals and retransmissions) and the
// packets lost because its queue was full: with no queue disc, the traffic-control layer drops
// them while the device queue is stopped ("Drop"); the device drops them only if it was not.
inline void WatchSender(ns3::Ptr<ns3::NetDevice> dev, uint32_t dataMin) {
    g_data_min = dataMin;
    dev->TraceConnectWithoutContext("MacTx", ns3::MakeCallback(&OnMacTx));
    dev->TraceConnectWithoutContext("MacTxDrop", ns3::MakeCallback(&OnMacTxDrop));
    dev->GetNode()->GetObject<ns3::TrafficControlLayer>()->TraceConnectWithoutContext(
        "TcDrop", ns3::MakeCallback(&OnTcDrop));
}
inline uint64_t TcDrops() { return g_tc_drops; }

static uint64_t g_retx = 0;
inline void OnRetx(ns3::Ptr<const ns3::Packet>, const ns3::TcpHeader &, const ns3::Address &,
                   const ns3::Address &, ns3::Ptr<const ns3::TcpSocketBase>) { ++g_retx; }
// The sender's socket exists once BulkSendApplication::StartApplication has run (t = 0).
inline void HookSocket(ns3::Ptr<ns3::Application> app) {
    ns3::Simulator::Schedule(ns3::NanoSeconds(1), [app]() {
        ns3::Ptr<ns3::Socket> s = ns3::DynamicCast<ns3::BulkSendApplication>(app)->GetSocket();
        if (s) { s->TraceConnectWithoutContext("Retransmission", ns3::MakeCallback(&OnRetx)); }
    });
}
inline uint64_t Retransmissions() { return g_retx; }
inline uint64_t DataTx() { return g_data_tx; }
inline uint64_t QueueDrops() { return g_queue_drops; }
inline uint64_t Received() { return g_received; }
inline int64_t DoneNs() { return g_done_ns; }
inline uint64_t RxDrops() { return g_rx_drops; }
}
"""


def main(argv):
    args = parse_args(argv)

    t0 = time.perf_counter()
    from ns import ns  # noqa: E402  (cppyy parses the ns-3 headers here: seconds)
    import_s = time.perf_counter() - t0

    cppyy = ns.cppyy
    cppyy.cppdef(COMPLETION_CPP)
    bench = cppyy.gbl.tcplab_bench

    t1 = time.perf_counter()
    ns.RngSeedManager.SetSeed(args.seed)
    ns.RngSeedManager.SetRun(args.run)

    ns.Config.SetDefault("ns3::TcpL4Protocol::SocketType", ns.StringValue(args.cc))
    ns.Config.SetDefault("ns3::TcpSocket::SegmentSize", ns.UintegerValue(args.mss))
    ns.Config.SetDefault("ns3::TcpSocket::SndBufSize", ns.UintegerValue(args.buf))
    ns.Config.SetDefault("ns3::TcpSocket::RcvBufSize", ns.UintegerValue(args.buf))
    ns.Config.SetDefault("ns3::TcpSocket::InitialCwnd", ns.UintegerValue(10))
    ns.Config.SetDefault("ns3::TcpSocketBase::Sack", ns.BooleanValue(True))
    ns.Config.SetDefault("ns3::TcpSocketBase::Timestamp", ns.BooleanValue(True))
    ns.Config.SetDefault("ns3::TcpSocketBase::WindowScaling", ns.BooleanValue(True))

    nodes = ns.NodeContainer()
    nodes.Create(2)

    p2p = ns.PointToPointHelper()
    p2p.SetDeviceAttribute("DataRate", ns.StringValue(args.rate))
    p2p.SetChannelAttribute("Delay", ns.StringValue(args.delay))
    p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", ns.StringValue(f"{args.queue}p"))
    devices = p2p.Install(nodes)

    stack = ns.InternetStackHelper()
    stack.Install(nodes)
    addresses = ns.Ipv4AddressHelper()
    addresses.SetBase(ns.Ipv4Address("10.1.1.0"), ns.Ipv4Mask("255.255.255.0"))
    interfaces = addresses.Assign(devices)
    if not args.keep_qdisc:
        # Ipv4AddressHelper::Assign puts FqCoDel on each device; drop it so that the only
        # queue is the device's drop-tail one, like tcplab's link.
        ns.TrafficControlHelper().Uninstall(devices)

    error_models = []  # keep the Python proxies alive for the whole run
    if args.loss > 0:
        receivers = [1] if args.loss_dirs == "data" else [0, 1]
        for i in receivers:
            em = ns.CreateObject[ns.RateErrorModel]()
            em.SetAttribute("ErrorRate", ns.DoubleValue(args.loss))
            em.SetAttribute("ErrorUnit", ns.StringValue("ERROR_UNIT_PACKET"))
            devices.Get(i).SetAttribute("ReceiveErrorModel", ns.PointerValue(em))
            bench.CountDrops(devices.Get(i))
            error_models.append(em)

    port = 5001
    sink_helper = ns.PacketSinkHelper(
        "ns3::TcpSocketFactory", ns.InetSocketAddress(ns.Ipv4Address.GetAny(), port).ConvertTo())
    sink_apps = sink_helper.Install(nodes.Get(1))
    sink_apps.Start(ns.Seconds(0.0))

    send_helper = ns.BulkSendHelper(
        "ns3::TcpSocketFactory", ns.InetSocketAddress(interfaces.GetAddress(1), port).ConvertTo())
    send_helper.SetAttribute("MaxBytes", ns.UintegerValue(args.bytes))
    send_helper.SetAttribute("SendSize", ns.UintegerValue(64 * 1024))
    send_apps = send_helper.Install(nodes.Get(0))
    send_apps.Start(ns.Seconds(0.0))

    bench.Arm(sink_apps.Get(0), args.bytes)
    bench.WatchSender(devices.Get(0), 100)
    bench.HookSocket(send_apps.Get(0))
    ns.Simulator.Stop(ns.Seconds(args.max_sim))
    setup_s = time.perf_counter() - t1

    t2 = time.perf_counter()
    ns.Simulator.Run()
    wall_s = time.perf_counter() - t2

    sim_now_s = ns.Simulator.Now().GetSeconds()
    done_ns = int(bench.DoneNs())
    sink = sink_apps.Get(0).GetObject[ns.PacketSink]()
    result = {
        "bytes_received": int(sink.GetTotalRx()),
        "sim_time_s": done_ns / 1e9 if done_ns >= 0 else None,
        "wall_s": round(wall_s, 6),
        "complete": done_ns >= 0,
        "goodput_mbit_s": round(args.bytes * 8 / (done_ns / 1e9) / 1e6, 3) if done_ns > 0 else None,
        "packets_dropped_by_error_model": int(bench.RxDrops()),
        "sender_queue_drops": int(bench.QueueDrops() + bench.TcDrops()),
        "data_packets_sent": int(bench.DataTx()),
        "retransmissions": int(bench.Retransmissions()),
        "sim_stopped_at_s": sim_now_s,
        "import_s": round(import_s, 3),
        "setup_s": round(setup_s, 3),
        "ns3": "3.44",
        "params": {"bytes": args.bytes, "rate": args.rate, "delay": args.delay, "loss": args.loss,
                   "loss_dirs": args.loss_dirs, "mss": args.mss, "buf": args.buf, "queue": args.queue,
                   "qdisc": args.keep_qdisc, "cc": args.cc, "seed": args.seed, "run": args.run},
    }
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    ns.Simulator.Destroy()
    # cppyy's teardown at interpreter exit can be slow or noisy; the result is already out.
    os._exit(0 if done_ns >= 0 else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
