# Shared by Benchmarks/http/run.sh and Benchmarks/api/run.sh (sourced): the tools from Debian,
# nginx serving a directory the way both comparisons want it, and the figures read off wrk.

# Installs wrk, nginx and curl from Debian when missing; sets NGINX to nginx's path.
bench_tools() {
  local need=()
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

# Writes WORK/nginx.conf: WORKERS worker processes serving WORK/www on 127.0.0.1:PORT with
# sendfile, no access log, long keep-alive (the fairest static-file server we can set up).
bench_nginx_conf() { # work port workers
  mkdir -p "$1/tmp"
  cat > "$1/nginx.conf" <<NGINX
worker_processes $3;
worker_rlimit_nofile 30000;
pid $1/nginx.pid;
error_log $1/nginx-error.log warn;
daemon off;
events { worker_connections 20000; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 120s;
  keepalive_requests 1000000;
  types { application/json json; }
  default_type application/octet-stream;
  client_body_temp_path $1/tmp;
  proxy_temp_path $1/tmp;
  fastcgi_temp_path $1/tmp;
  uwsgi_temp_path $1/tmp;
  scgi_temp_path $1/tmp;
  server {
    listen 127.0.0.1:$2 backlog=4096;
    root $1/www;
  }
}
NGINX
}

# Reads wrk --latency output on stdin; prints "req/s p99-ms non-2xx": the "Requests/sec:" line,
# the 99% line converted to milliseconds, and the "Non-2xx or 3xx responses:" count (absent: 0).
# Fails when the output cannot be read.
wrk_figures() {
  local out rps p99 bad
  out=$(cat)
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; u=v; gsub(/[0-9.]/, "", u); gsub(/[a-z]/, "", v);
         if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
         printf "%.2f", v}' <<<"$out")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  [ -n "$rps" ] && [ -n "$p99" ] || { echo "cannot read wrk's output:" >&2; echo "$out" >&2; return 1; }
  echo "$rps $p99 ${bad:-0}"
}
