using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Gets the files clients uploaded to the WeCom mock server, as the mock reassembled
    /// them.</para>
    /// <para type="description">Each upload has MediaId, Type (file/image/voice/video), FileName, Bytes, Md5,
    /// ChunkCount and CreatedAt.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "WecomMockUpload")]
    [OutputType(typeof(UploadedMedia))]
    public sealed class GetWecomMockUploadCommand : MockServerCmdlet
    {
        /// <summary>Only uploads with these file names (wildcards allowed).</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        public string[] FileName { get; set; }

        /// <summary>Only uploads of these media types.</summary>
        [Parameter]
        [ValidateSet("file", "image", "voice", "video")]
        public string[] Type { get; set; }

        /// <summary>Only the last N matching uploads.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int Last { get; set; }

        protected override void EndProcessing()
        {
            var server = ResolveServer();
            var patterns = FileName?.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToArray();
            IEnumerable<UploadedMedia> uploads = server.Uploads
                .Where(u => patterns == null || patterns.Any(p => p.IsMatch(u.FileName ?? "")))
                .Where(u => Type == null || Type.Contains(u.Type, StringComparer.OrdinalIgnoreCase))
                .ToArray();
            if (Last > 0) uploads = uploads.Skip(Math.Max(0, uploads.Count() - Last));
            WriteObject(uploads, true);
        }
    }
}
