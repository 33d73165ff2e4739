namespace NymBridge.Api.Cluster;

/// <summary>
/// The Lua scripts of the Redis inbox. Each runs atomically on the server, so the stream, the state hash and
/// the sizes list never disagree, also with several bridge instances and across a crash (a script's writes
/// reach the AOF as one MULTI/EXEC).
/// </summary>
/// <remarks>
/// <para>Keys, the same for every script: <c>KEYS[1]</c> the stream <c>{name}:inbox</c>, <c>KEYS[2]</c> the hash
/// <c>{name}:meta</c>, <c>KEYS[3]</c> the list <c>{name}:sizes</c>. <c>ARGV[1]</c> is always a fresh epoch id, used
/// only when the script has to start a new epoch (Lua has no usable randomness of its own).</para>
/// <para>The hash: <c>epoch</c>, <c>run_id</c> (the Redis process that wrote last), <c>epoch_at</c> (server TIME in µs
/// when the epoch began), <c>ver</c> (bumped by every write: with epoch_at it orders the state snapshots an
/// instance receives), <c>seq</c> (last seq assigned), <c>count</c>, <c>bytes</c> (payload bytes retained),
/// <c>cursor</c> (the queue cursor), <c>dropped</c>, <c>evicted</c>.</para>
/// <para>Every script first checks the state (<see cref="Prelude"/>) and answers with it: the array
/// <c>{epoch, epoch_at, ver, seq, count, bytes, cursor, dropped, evicted}</c>. A new epoch starts when the hash is
/// missing (first use, or Redis restarted empty), when the stream or the sizes list no longer has <c>count</c>
/// entries (keys evicted under a maxmemory policy), or when Redis's <c>run_id</c> is not the one recorded: a
/// restart or a failover, after which acknowledged writes may be gone (AOF everysec, an asynchronous replica).
/// The script reads <c>run_id</c> from <c>INFO server</c> itself rather than being passed one the client cached:
/// a cached id goes stale between a reconnect and its refresh, and an append in that window would keep the old
/// epoch over a restart that lost writes. With the hash intact, a new epoch keeps the stream and the seqs going
/// on; with it gone, the log starts empty (the stream and the list are deleted).</para>
/// <para>Seqs are written with <c>%d</c>, so they stay exact up to 2^53.</para>
/// </remarks>
internal static class RedisInboxScripts
{
    private const string Prelude = """
        local function id(n) return string.format('%d', n) .. '-0' end

        local function state()
          local info = redis.call('INFO', 'server')
          local run_id = string.match(info, 'run_id:(%x+)') or ''
          local m = redis.call('HMGET', KEYS[2], 'epoch', 'run_id', 'epoch_at', 'ver', 'seq', 'count', 'bytes', 'cursor', 'dropped', 'evicted')
          local s = { epoch = m[1], run_id = m[2], epoch_at = m[3], ver = tonumber(m[4]) or 0, seq = tonumber(m[5]) or 0,
                      count = tonumber(m[6]) or 0, bytes = tonumber(m[7]) or 0, cursor = tonumber(m[8]) or 0,
                      dropped = tonumber(m[9]) or 0, evicted = tonumber(m[10]) or 0 }
          local consistent = redis.call('XLEN', KEYS[1]) == s.count and redis.call('LLEN', KEYS[3]) == s.count
          if s.epoch and s.run_id == run_id and consistent then
            return s
          end
          if not s.epoch or not consistent then
            redis.call('DEL', KEYS[1], KEYS[3])
            redis.call('HDEL', KEYS[2], 'batch', 'batch_first')
            s.count = 0
            s.bytes = 0
            s.cursor = s.seq
          end
          local t = redis.call('TIME')
          s.epoch = ARGV[1]
          s.run_id = run_id
          s.epoch_at = t[1] .. string.format('%06d', tonumber(t[2]))
          s.ver = s.ver + 1
          redis.call('HSET', KEYS[2], 'epoch', s.epoch, 'run_id', run_id, 'epoch_at', s.epoch_at, 'ver', s.ver, 'seq', s.seq,
            'count', s.count, 'bytes', s.bytes, 'cursor', s.cursor, 'dropped', s.dropped, 'evicted', s.evicted)
          return s
        end

        local function meta(s)
          return { s.epoch, s.epoch_at, s.ver, s.seq, s.count, s.bytes, s.cursor, s.dropped, s.evicted }
        end

        """;

    /// <summary>
    /// Appends a batch. <c>ARGV[2]</c> the notification channel, <c>ARGV[3]</c> the capacity (events),
    /// <c>ARGV[4]</c> the byte bound, <c>ARGV[5]</c> the batch id, then per event its header and its payload (two
    /// values each). Answers <c>{state, first seq assigned}</c>.
    /// </summary>
    /// <remarks>
    /// <para>Idempotent per batch: the hash keeps the last batch id applied (<c>batch</c>) and its first seq
    /// (<c>batch_first</c>). A call with that id again — the writer's retry after a lost reply — appends nothing and
    /// answers with the first run's seq, so a batch whose reply was lost is never appended twice.</para>
    /// <para>XADD with explicit ids <c>seq-0</c>, then exact eviction of the oldest (never the newest) until both bounds
    /// hold: the sizes list says how many bytes each eviction frees, XTRIM MAXLEN (without <c>~</c>) removes them.
    /// Evicted seqs beyond the queue cursor count as dropped. Then PUBLISH of the last seq.</para>
    /// </remarks>
    public const string Append = Prelude + """
        local s = state()
        local applied = redis.call('HMGET', KEYS[2], 'batch', 'batch_first')
        if applied[1] == ARGV[5] then
          return { meta(s), tonumber(applied[2]) }
        end
        local capacity = tonumber(ARGV[3])
        local max_bytes = tonumber(ARGV[4])
        local n = (#ARGV - 5) / 2
        local first_new = s.seq + 1
        local sizes = {}
        for i = 0, n - 1 do
          local p = ARGV[7 + 2 * i]
          s.seq = s.seq + 1
          redis.call('XADD', KEYS[1], id(s.seq), 'h', ARGV[6 + 2 * i], 'p', p)
          sizes[#sizes + 1] = #p
          s.bytes = s.bytes + #p
          if #sizes == 1000 then
            redis.call('RPUSH', KEYS[3], unpack(sizes))
            sizes = {}
          end
        end
        if #sizes > 0 then
          redis.call('RPUSH', KEYS[3], unpack(sizes))
        end
        s.count = s.count + n

        local evict, freed = 0, 0
        local function over()
          return s.count - evict > 1 and (s.count - evict > capacity or s.bytes - freed > max_bytes)
        end
        while over() do
          local chunk = redis.call('LRANGE', KEYS[3], evict, evict + 999)
          if #chunk == 0 then break end
          for _, size in ipairs(chunk) do
            if not over() then break end
            evict = evict + 1
            freed = freed + tonumber(size)
          end
        end
        if evict > 0 then
          local first_old = s.seq - s.count + 1
          local last_evicted = first_old + evict - 1
          local not_taken_from = math.max(s.cursor, first_old - 1)
          redis.call('LTRIM', KEYS[3], evict, -1)
          redis.call('XTRIM', KEYS[1], 'MAXLEN', s.count - evict)
          if last_evicted > not_taken_from then
            s.dropped = s.dropped + (last_evicted - not_taken_from)
          end
          s.evicted = s.evicted + evict
          s.count = s.count - evict
          s.bytes = s.bytes - freed
        end
        s.ver = s.ver + 1
        redis.call('HSET', KEYS[2], 'seq', s.seq, 'count', s.count, 'bytes', s.bytes, 'dropped', s.dropped, 'evicted', s.evicted, 'ver', s.ver,
          'batch', ARGV[5], 'batch_first', first_new)
        redis.call('PUBLISH', ARGV[2], string.format('%d', s.seq))
        return { meta(s), first_new }
        """;

    /// <summary>
    /// Replay: <c>XRANGE (after-0 + COUNT max</c> with <c>ARGV[2]</c> = after and <c>ARGV[3]</c> = max (0: the state
    /// only). Answers <c>{state, entries}</c>: the epoch comes with the entries it belongs to.
    /// </summary>
    public const string Read = Prelude + """
        local s = state()
        local max = tonumber(ARGV[3])
        local entries = {}
        if max > 0 then
          entries = redis.call('XRANGE', KEYS[1], '(' .. id(tonumber(ARGV[2])), '+', 'COUNT', max)
        end
        return { meta(s), entries }
        """;

    /// <summary>
    /// Queue read: the next (at most <c>ARGV[2]</c>) entries after the shared cursor, and the cursor moved past
    /// them in the same step, so readers on any instance take each event once. Answers <c>{state, previous cursor, entries}</c>.
    /// </summary>
    public const string Take = Prelude + """
        local s = state()
        local previous = s.cursor
        local entries = redis.call('XRANGE', KEYS[1], '(' .. id(previous), '+', 'COUNT', tonumber(ARGV[2]))
        if #entries > 0 then
          s.cursor = tonumber(string.match(entries[#entries][1], '^(%d+)'))
          s.ver = s.ver + 1
          redis.call('HSET', KEYS[2], 'cursor', s.cursor, 'ver', s.ver)
        end
        return { meta(s), previous, entries }
        """;
}
