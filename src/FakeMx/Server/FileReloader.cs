using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Server;

/// <summary>
/// Reloads the allow and deny lists and the TLS certificate files without a restart. Three
/// triggers feed one loop: a <see cref="FileSystemWatcher"/> on each file's folder (immediate,
/// but it can miss changes on network file systems or when a folder is replaced), a periodic
/// look at each file's size and time (the fallback), and SIGHUP (the operator's explicit ask).
/// The loop compares what it sees with what it last loaded and reloads only what changed;
/// SIGHUP reloads everything.
/// </summary>
internal sealed class FileReloader : BackgroundService
{
    /// <summary>Editors write in several steps; a change is read this long after the last event.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    private readonly AccessLists _lists;
    private readonly TlsCertificates _certificates;
    private readonly AbuseOptions _options;
    private readonly ILogger<FileReloader> _logger;
    private readonly SemaphoreSlim _nudge = new(0);
    private readonly Dictionary<string, (DateTime Written, long Length)> _seen = [];
    private readonly List<FileSystemWatcher> _watchers = [];
    private PosixSignalRegistration? _hangup;
    private volatile bool _reloadAll;

    public FileReloader(
        AccessLists lists,
        TlsCertificates certificates,
        AbuseOptions options,
        ILogger<FileReloader> logger)
    {
        _lists = lists;
        _certificates = certificates;
        _options = options;
        _logger = logger;
    }

    private IEnumerable<string> Files =>
        _lists.Files.Concat(new[] { _certificates.CertificateFile, _certificates.KeyFile }.OfType<string>())
            .Distinct();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var files = Files.ToList();
        _certificates.LogLoaded(_logger);
        if (files.Count == 0)
        {
            return;
        }

        foreach (var file in files)
        {
            _seen[file] = Stat(file);
        }

        Watch(files);
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // SIGHUP would end the process by default; here it means "reload".
            context.Cancel = true;
            _reloadAll = true;
            _nudge.Release();
        });

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (await _nudge.WaitAsync(_options.ReloadCheckInterval, stoppingToken))
                {
                    await Task.Delay(Settle, stoppingToken);
                    while (_nudge.CurrentCount > 0)
                    {
                        await _nudge.WaitAsync(stoppingToken);
                    }
                }

                CheckFiles(files);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override void Dispose()
    {
        _hangup?.Dispose();
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _nudge.Dispose();
        base.Dispose();
    }

    private void CheckFiles(List<string> files)
    {
        var all = _reloadAll;
        _reloadAll = false;
        if (all)
        {
            AbuseLog.ReloadRequested(_logger);
        }

        var certificateChanged = false;
        foreach (var file in files)
        {
            var now = Stat(file);
            if (!all && now == _seen[file])
            {
                continue;
            }

            _seen[file] = now;
            if (file == _certificates.CertificateFile || file == _certificates.KeyFile)
            {
                certificateChanged = true;
            }
            else
            {
                _lists.Reload(file, _logger);
            }
        }

        if (certificateChanged)
        {
            _certificates.Reload(_logger);
        }
    }

    private void Watch(IEnumerable<string> files)
    {
        foreach (var folder in files.GroupBy(f => Path.GetDirectoryName(f)!))
        {
            try
            {
                var watcher = new FileSystemWatcher(folder.Key)
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                };
                var names = folder.Select(Path.GetFileName).ToHashSet();
                void OnEvent(object sender, FileSystemEventArgs e)
                {
                    if (names.Contains(e.Name) || e is RenamedEventArgs r && names.Contains(r.OldName))
                    {
                        _nudge.Release();
                    }
                }

                watcher.Changed += OnEvent;
                watcher.Created += OnEvent;
                watcher.Deleted += OnEvent;
                watcher.Renamed += (sender, e) => OnEvent(sender, e);
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
            catch (Exception error) when (error is IOException or ArgumentException or PlatformNotSupportedException)
            {
                // XXX: without a watcher (inotify limits reached, say) changes are seen only by
                // the periodic check, up to ReloadCheckInterval late.
            }
        }
    }

    private static (DateTime, long) Stat(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }
}
