-- POSTs one fixed body on every request. Arguments after `--`: the body file and its Content-Type.
-- wrk builds each thread's request after init(), so setting the body here is enough.
function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = args[2]
end
