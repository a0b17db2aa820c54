using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using WecomPS.Media;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    /// <summary>
    /// What Send-WecomFile and Publish-WecomMedia share, so both resolve paths, check limits, upload and show
    /// progress the same way: the upload itself is <see cref="MediaUploader"/>.
    /// </summary>
    public abstract class WecomUploadCmdlet : WecomSessionCmdlet
    {
        private int _activityId = 1;

        /// <summary>
        /// The file behind each path (wildcards expanded), with the media type it goes as; a path that is a
        /// directory, cannot be resolved, or breaks a limit of its type writes an error naming it and is skipped.
        /// </summary>
        protected IEnumerable<(FileInfo File, string MediaType)> ResolveCheckedFiles(string[] paths, string mediaType)
        {
            foreach (var file in ResolveFiles(paths))
            {
                string type = mediaType ?? MediaLimits.TypeFromExtension(file.FullName);
                try { MediaLimits.Validate(file, type); }
                catch (WecomException e) { WriteWecomError(e, file.FullName); continue; }
                yield return (file, type);
            }
        }

        /// <summary>Uploads one file (init, chunks, finish); a progress bar when it takes more than a moment.</summary>
        protected UploadedMedia Upload(WecomSession session, FileInfo file, string type, string fileName)
        {
            var uploader = new MediaUploader(session);
            var clock = Stopwatch.StartNew();
            int activity = _activityId++;
            bool shown = false;
            uploader.Progress = (done, total) =>
            {
                // Only uploads longer than a moment get a progress bar.
                if (clock.ElapsedMilliseconds < 300 && done < total) return;
                shown = true;
                double rate = done / 1048576.0 / Math.Max(0.001, clock.Elapsed.TotalSeconds);
                PostProgress(new ProgressRecord(activity, "Uploading " + file.Name,
                    (done / 1048576.0).ToString("0.0") + " of " + (total / 1048576.0).ToString("0.0") + " MB at " +
                    rate.ToString("0.0") + " MB/s")
                {
                    PercentComplete = (int)(done * 100 / Math.Max(1, total)),
                });
            };
            try
            {
                var media = Await(uploader.UploadAsync(file.FullName, type, fileName, StopToken));
                WriteVerbose("Uploaded '" + media.FileName + "' (" + media.Size + " bytes, " + media.Chunks +
                    " chunks) in " + media.Elapsed.TotalSeconds.ToString("0.00") + " s: media_id " + media.MediaId +
                    ".");
                return media;
            }
            finally
            {
                if (shown)
                    WriteProgress(new ProgressRecord(activity, "Uploading " + file.Name, "Done")
                    {
                        RecordType = ProgressRecordType.Completed,
                    });
            }
        }

        private IEnumerable<FileInfo> ResolveFiles(string[] paths)
        {
            foreach (var p in paths)
            {
                var files = new List<FileInfo>();
                try
                {
                    var literal = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                    if (File.Exists(literal)) files.Add(new FileInfo(literal));
                    else if (WildcardPattern.ContainsWildcardCharacters(p))
                        foreach (var resolved in GetResolvedProviderPathFromPSPath(p, out _))
                            files.Add(new FileInfo(resolved));
                    else if (Directory.Exists(literal))
                    {
                        WriteError(ErrorIds.PathIsDirectory, ErrorCategory.InvalidArgument, "'" + p +
                            "' is a directory; pass files (Get-ChildItem -File | " + MyInvocation.MyCommand.Name +
                            " ...).", p);
                        continue;
                    }
                    else files.Add(new FileInfo(literal));   // Validate reports it as not found
                }
                catch (ItemNotFoundException e)
                {
                    WriteError(new ErrorRecord(e, ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, p));
                    continue;
                }
                catch (Exception e) when (!(e is PipelineStoppedException))
                {
                    WriteError(new ErrorRecord(e, ErrorIds.InvalidPath, ErrorCategory.InvalidArgument, p));
                    continue;
                }
                foreach (var f in files) yield return f;
            }
        }
    }
}
