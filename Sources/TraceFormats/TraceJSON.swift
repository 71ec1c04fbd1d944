import TCPSim
