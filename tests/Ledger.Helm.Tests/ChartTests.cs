using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace Ledger.Helm.Tests;

/// <summary>Assertions over the chart rendered by scripts/helm-check.sh with the default, dev and prod values.</summary>
[Collection(HelmRun.Name)]
public sealed partial class ChartTests(HelmFixture helm)
{
    public static TheoryData<string> Variants => new(HelmFixture.Variants);

    private Manifest Single(string variant, string kind, string? name = null)
    {
        var found = helm.Rendered(variant).Where(m => m.Kind == kind && (name is null || m.Name == name)).ToList();
        Assert.True(found.Count == 1, $"{variant}: expected one {kind}{(name is null ? "" : "/" + name)}, found {found.Count}");
        return found[0];
    }

    private Dictionary<object, object> ApiContainer(string variant)
    {
        var containers = Single(variant, "Deployment").Root.List("spec.template.spec.containers");
        return Assert.IsType<Dictionary<object, object>>(Assert.Single(containers, c => c.At("name") as string == "api"));
    }

    [Fact]
    public void HelmCheck_Succeeds_AndNamesTheHelmItUsed()
    {
        Assert.True(helm.Failure is null, helm.Failure);
        Assert.Matches(@"helm-check: helm=/\S*helm \(v4\.", helm.Output);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Deployment_HasProbesWithTheChosenTimings(string variant)
    {
        var c = ApiContainer(variant);
        Assert.Equal("/health/live", c.Str("livenessProbe.httpGet.path"));
        Assert.Equal(5, c.Number("livenessProbe.periodSeconds"));
        Assert.Equal(2, c.Number("livenessProbe.timeoutSeconds"));
        Assert.Equal(3, c.Number("livenessProbe.failureThreshold"));
        Assert.Equal("/health/ready", c.Str("readinessProbe.httpGet.path"));
        Assert.Equal(5, c.Number("readinessProbe.periodSeconds"));
        Assert.Equal(2, c.Number("readinessProbe.timeoutSeconds"));
        Assert.Equal(2, c.Number("readinessProbe.failureThreshold"));
        Assert.Equal("/health/live", c.Str("startupProbe.httpGet.path"));
        Assert.True(c.Number("startupProbe.periodSeconds") * c.Number("startupProbe.failureThreshold") >= 30);

        // A pod that stops answering is restarted within 30 s: the last probe that fails starts
        // period x (threshold - 1) after the first and times out after timeoutSeconds, then the kill gets the
        // probe's own grace period (which includes the preStop sleep).
        var firstFailureWithin = c.Number("livenessProbe.periodSeconds");
        var detected = firstFailureWithin * c.Number("livenessProbe.failureThreshold") + c.Number("livenessProbe.timeoutSeconds");
        var killed = detected + c.Number("livenessProbe.terminationGracePeriodSeconds");
        Assert.True(killed <= 30, $"{variant}: restart after up to {killed} s");
        var preStop = c.Number("lifecycle.preStop.sleep.seconds");
        Assert.InRange(preStop, 1, c.Number("livenessProbe.terminationGracePeriodSeconds") - 1);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Deployment_RollsWithoutLosingCapacity_AndOutlivesTheShutdownTimeout(string variant)
    {
        var d = Single(variant, "Deployment").Root;
        Assert.Equal("RollingUpdate", d.Str("spec.strategy.type"));
        Assert.Equal(0, d.Number("spec.strategy.rollingUpdate.maxUnavailable"));
        Assert.Equal(1, d.Number("spec.strategy.rollingUpdate.maxSurge"));

        // Api:ShutdownTimeout is 30 s; the pod must get more than that, plus the preStop sleep.
        var grace = d.Number("spec.template.spec.terminationGracePeriodSeconds");
        Assert.True(grace > 30, $"{variant}: terminationGracePeriodSeconds {grace}");
        var configMap = Single(variant, "ConfigMap", Single(variant, "Deployment").Name).Root;
        var shutdown = TimeSpan.Parse(configMap.Str("data.Api__ShutdownTimeout"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(grace > shutdown.TotalSeconds + ApiContainer(variant).Number("lifecycle.preStop.sleep.seconds"));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Deployment_RunsLockedDown(string variant)
    {
        var d = Single(variant, "Deployment").Root;
        var c = ApiContainer(variant);
        Assert.Equal("true", d.Str("spec.template.spec.securityContext.runAsNonRoot"));
        Assert.Equal("RuntimeDefault", d.Str("spec.template.spec.securityContext.seccompProfile.type"));
        Assert.Equal("true", c.Str("securityContext.runAsNonRoot"));
        Assert.Equal("true", c.Str("securityContext.readOnlyRootFilesystem"));
        Assert.Equal("false", c.Str("securityContext.allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], c.List("securityContext.capabilities.drop").Cast<string>());
        Assert.Contains(c.List("volumeMounts"), m => m.Str("mountPath") == "/tmp");
        Assert.NotNull(c.At("resources.requests.cpu"));
        Assert.NotNull(c.At("resources.limits.memory"));
        Assert.NotEmpty(d.List("spec.template.spec.topologySpreadConstraints"));
    }

    /// <summary>The API on 8080 ("http"), health and metrics on 8081 ("management"): the host listens on both
    /// (ASPNETCORE_URLS), knows which is the management port (Api__ManagementPort), and every probe asks that one.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Deployment_ListensOnTheApiAndManagementPorts_AndProbesTheManagementPort(string variant)
    {
        var c = ApiContainer(variant);
        var ports = c.List("ports").ToDictionary(p => p.Str("name"), p => p.Number("containerPort"), StringComparer.Ordinal);
        Assert.Equal(new Dictionary<string, int>(StringComparer.Ordinal) { ["http"] = 8080, ["management"] = 8081 }, ports);

        var data = Single(variant, "ConfigMap", Single(variant, "Deployment").Name).Root.Map("data");
        Assert.Equal("http://+:8080;http://+:8081", (string)data["ASPNETCORE_URLS"]);
        Assert.Equal("8081", (string)data["Api__ManagementPort"]);

        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            Assert.Equal("management", c.Str($"{probe}.httpGet.port"));
        }
    }

    /// <summary>The Service clients and ingresses use carries the API port only; the management port is in a headless
    /// Service of its own, which only the ServiceMonitor selects.</summary>
    [Fact]
    public void Prod_ServiceMonitorScrapesTheManagementPort_ThroughAServiceOfItsOwn()
    {
        var name = Single("prod", "Deployment").Name;
        var api = Single("prod", "Service", name).Root;
        Assert.Equal(["http"], api.List("spec.ports").Select(p => p.Str("name")));
        Assert.Equal("http", api.Str("spec.ports.0.targetPort"));

        var management = Single("prod", "Service", name + "-management").Root;
        Assert.Equal("None", management.Str("spec.clusterIP"));
        var port = Assert.Single(management.List("spec.ports"));
        Assert.Equal("management", port.Str("name"));
        Assert.Equal("management", port.Str("targetPort"));

        var monitor = Single("prod", "ServiceMonitor").Root;
        var endpoint = Assert.Single(monitor.List("spec.endpoints"));
        Assert.Equal("management", endpoint.Str("port"));
        Assert.Equal("/metrics", endpoint.Str("path"));
        var selector = monitor.Map("spec.selector.matchLabels");
        bool Selects(Dictionary<object, object> service) =>
            selector.All(label => service.Map("metadata.labels").TryGetValue(label.Key, out var value) && Equals(value, label.Value));
        Assert.True(Selects(management), "the ServiceMonitor does not select the management Service");
        Assert.False(Selects(api), "the ServiceMonitor selects the API's Service too");
    }

    /// <summary>The image listens as the chart says (the chart sets the same two variables; a container run without
    /// it gets them from the image).</summary>
    [Fact]
    public void Dockerfile_ListensOnTheChartsApiAndManagementPorts()
    {
        var dockerfile = File.ReadAllText(Path.Combine(helm.RepoRoot, "Dockerfile"));
        var data = Single("default", "ConfigMap", Single("default", "Deployment").Name).Root.Map("data");

        Assert.Contains($"ASPNETCORE_URLS=\"{data["ASPNETCORE_URLS"]}\"", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"Api__ManagementPort={data["Api__ManagementPort"]}", dockerfile, StringComparison.Ordinal);
        Assert.Contains("EXPOSE 8080 8081", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_HasNoManagementService()
    {
        Assert.DoesNotContain(helm.Rendered("default"), m => m.Kind == "Service" && m.Name.EndsWith("-management", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Deployment_TakesItsSettingsFromTheConfigMapAndTheSecret(string variant)
    {
        var name = Single(variant, "Deployment").Name;
        var envFrom = ApiContainer(variant).List("envFrom");
        Assert.Contains(envFrom, e => e.At("configMapRef.name") as string == name);
        var secretName = Assert.Single(envFrom, e => e.At("secretRef") is not null).Str("secretRef.name");
        if (variant == "prod")
        {
            Assert.Equal("ledger-secrets", secretName);
            Assert.DoesNotContain(helm.Rendered(variant), m => m.Kind == "Secret");
        }
        else
        {
            var secret = Single(variant, "Secret", secretName).Root;
            Assert.True(secret.Map("data").ContainsKey("ConnectionStrings__Ledger"));
            Assert.True(secret.Map("data").ContainsKey("ConnectionStrings__Redis"));
        }
    }

    [Fact]
    public void DevSecret_CarriesTheApiKeyAsEnvironmentVariables()
    {
        var data = Single("dev", "Secret", "ledger").Root.Map("data");
        string Decode(string key) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)data[key]));
        // By name, one variable per value: nothing in the image or another source can merge into it by index.
        Assert.Equal("ledger-dev-key-change-me", Decode("Auth__Keys__dev__Key"));
        Assert.Equal("reader,poster,admin", Decode("Auth__Keys__dev__Roles"));
        Assert.DoesNotContain(data.Keys, key => key.ToString()!.StartsWith("Auth__ApiKeys__", StringComparison.Ordinal));
        Assert.Contains("User ID=ledger_app;", Decode("ConnectionStrings__Ledger"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Hpa_HasSaneBounds(string variant)
    {
        var hpa = Single(variant, "HorizontalPodAutoscaler").Root;
        Assert.Equal("autoscaling/v2", hpa.Str("apiVersion"));
        var min = hpa.Number("spec.minReplicas");
        var max = hpa.Number("spec.maxReplicas");
        Assert.InRange(min, variant == "prod" ? 2 : 1, max);
        Assert.Contains(hpa.List("spec.metrics"), m => m.Str("type") == "Resource" && m.Str("resource.name") == "cpu");
        Assert.Equal(Single(variant, "Deployment").Name, hpa.Str("spec.scaleTargetRef.name"));
    }

    [Fact]
    public void Prod_KeepsTwoPodsThroughDisruptions_AndIsMonitored()
    {
        Assert.Equal(2, Single("prod", "PodDisruptionBudget").Root.Number("spec.minAvailable"));
        var monitor = Single("prod", "ServiceMonitor").Root;
        Assert.Equal("monitoring.coreos.com/v1", monitor.Str("apiVersion"));
        Assert.Equal("/metrics", monitor.Str("spec.endpoints.0.path"));
        Assert.Equal("management", monitor.Str("spec.endpoints.0.port"));
        Assert.Single(helm.Rendered("prod"), m => m.Kind == "NetworkPolicy");
        var dashboard = (string)Single("prod", "ConfigMap", "ledger-dashboard").Root.Map("data")["ledger.json"];
        foreach (var metric in new[] { "ledger_transfers_posted_total", "ledger_transfers_post_duration_seconds_bucket",
                     "ledger_outbox_oldest_age_seconds", "ledger_cache_circuit_open" })
        {
            Assert.Contains(metric, dashboard, StringComparison.Ordinal);
        }
        using var _ = System.Text.Json.JsonDocument.Parse(dashboard);
    }

    [Fact]
    public void Prod_NetworkPolicyAllowsTheApiPortFromIngressFrom_TheManagementPortFromManagementFromOnly_AndDnsDatabaseRedisOut()
    {
        var np = Single("prod", "NetworkPolicy").Root;
        var ingress = np.List("spec.ingress");
        Assert.All(ingress, rule => Assert.Single(rule.List("ports")));
        var api = Assert.Single(ingress, rule => rule.Number("ports.0.port") == 8080);
        Assert.Null(api.At("from")); // ingressFrom is empty in prod: any peer may call the API
        var management = Assert.Single(ingress, rule => rule.Number("ports.0.port") == 8081);
        var values = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(
            File.ReadAllText(Path.Combine(helm.RepoRoot, "helm", "ledger", "values.yaml")));
        Assert.True(Yaml.DeepEquals(values.At("networkPolicy.managementFrom"), management.At("from")),
            "the management port's peers are not networkPolicy.managementFrom");
        Assert.Equal("monitoring", management.Map("from.0.namespaceSelector.matchLabels")["kubernetes.io/metadata.name"]);
        var egressPorts = np.List("spec.egress").SelectMany(e => e.List("ports")).Select(p => p.Number("port")).ToHashSet();
        Assert.Superset(new HashSet<int> { 53, 3306, 6379 }, egressPorts);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void MigrationJob_IsAPreInstallPreUpgradeHookRunningMigrate(string variant)
    {
        var job = Single(variant, "Job").Root;
        Assert.Equal("pre-install,pre-upgrade", (string)job.Map("metadata.annotations")["helm.sh/hook"]);
        Assert.Equal("before-hook-creation,hook-succeeded", (string)job.Map("metadata.annotations")["helm.sh/hook-delete-policy"]);
        var container = job.List("spec.template.spec.containers").Single();
        Assert.Equal(["migrate"], container.List("args").Cast<string>());
        Assert.Equal(ApiContainer(variant).Str("image"), container.Str("image"));
        Assert.Equal("Never", job.Str("spec.template.spec.restartPolicy"));
        Assert.Equal("true", container.Str("securityContext.readOnlyRootFilesystem"));
        // Only the migrator's connection string, from a Secret that exists when the hook runs and that the API pods never
        // read: migration.existingSecret, or a hook Secret holding nothing else.
        var env = Assert.Single(container.List("env"), e => e.Str("name").StartsWith("ConnectionStrings__", StringComparison.Ordinal));
        Assert.Equal("ConnectionStrings__LedgerMigrator", env.Str("name"));
        Assert.Equal("ConnectionStrings__LedgerMigrator", env.Str("valueFrom.secretKeyRef.key"));
        var secretName = env.Str("valueFrom.secretKeyRef.name");
        var apiSecret = Assert.Single(ApiContainer(variant).List("envFrom"), e => e.At("secretRef") is not null).Str("secretRef.name");
        Assert.NotEqual(apiSecret, secretName);
        if (variant == "prod")
        {
            Assert.Equal("ledger-migrator-secrets", secretName);
        }
        else
        {
            var hookSecret = Single(variant, "Secret", secretName).Root;
            Assert.Equal(["ConnectionStrings__LedgerMigrator"], hookSecret.Map("data").Keys.Cast<string>());
            Assert.Equal("pre-install,pre-upgrade", (string)hookSecret.Map("metadata.annotations")["helm.sh/hook"]);
            Assert.True(int.Parse((string)hookSecret.Map("metadata.annotations")["helm.sh/hook-weight"], System.Globalization.CultureInfo.InvariantCulture)
                        < int.Parse((string)job.Map("metadata.annotations")["helm.sh/hook-weight"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.DoesNotContain("ConnectionStrings__LedgerMigrator", Single(variant, "Secret", apiSecret).Root.Map("data").Keys.Cast<string>());
        }
    }

    [Fact]
    public async Task MigrationJob_WithExistingSecretButNoSecretOfItsOwn_RefusesToRender()
    {
        var helmPath = Regex.Match(helm.Output, @"helm-check: helm=(\S+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(helmPath), helm.Output);
        var start = new System.Diagnostics.ProcessStartInfo(helmPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "template", "ledger", Path.Combine(helm.RepoRoot, "helm", "ledger"), "--set", "existingSecret=ledger-secrets" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("migration.existingSecret is required with existingSecret", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void NoConfigMap_HoldsASecret(string variant)
    {
        foreach (var cm in helm.Rendered(variant).Where(m => m.Kind == "ConfigMap"))
        {
            if (cm.Root.At("data") is not Dictionary<object, object> data)
            {
                continue;
            }
            foreach (var (key, value) in data.Select(kv => ((string)kv.Key, kv.Value as string ?? "")))
            {
                Assert.False(SecretKey().IsMatch(key), $"{variant}: {cm} has a secret-looking key {key}");
                Assert.False(SecretValue().IsMatch(value), $"{variant}: {cm} key {key} has a secret-looking value");
            }
        }
    }

    [GeneratedRegex(@"ConnectionStrings|ApiKeys|__Key$|Password|Secret|Token", RegexOptions.IgnoreCase)]
    private static partial Regex SecretKey();

    [GeneratedRegex(@"Password\s*=|Pwd\s*=|Server\s*=|Host\s*=|User\s*Id\s*=|Uid\s*=|Database\s*=|://[^/\s]*:[^/\s]*@|password=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValue();

    [Fact]
    public void ChartRulesFile_EqualsTheDeployRulesFile()
    {
        var deploy = File.ReadAllText(Path.Combine(helm.RepoRoot, "deploy", "prometheus", "ledger-rules.yaml"));
        var chart = File.ReadAllText(Path.Combine(helm.RepoRoot, "helm", "ledger", "files", "ledger-rules.yaml"));
        Assert.True(string.Equals(deploy, chart, StringComparison.Ordinal),
            "helm/ledger/files/ledger-rules.yaml differs from deploy/prometheus/ledger-rules.yaml: copy it again");
    }

    [Fact]
    public void PrometheusAdapterRule_ServesTheMetricTheHpaAsksFor_FromTheCounterThePodsExport()
    {
        var adapter = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(
            File.ReadAllText(Path.Combine(helm.RepoRoot, "deploy", "prometheus-adapter", "values.yaml")));
        var chart = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(
            File.ReadAllText(Path.Combine(helm.RepoRoot, "helm", "ledger", "values.yaml")));
        var rule = Assert.Single(adapter.List("rules.custom"));

        Assert.Equal(chart.Str("autoscaling.transfersPerSecond.metricName"), rule.Str("name.as"));
        // The counter every API pod exports at /metrics (MetricsEndpointTests holds its name and type).
        Assert.StartsWith("ledger_transfers_posted_total{", rule.Str("seriesQuery"), StringComparison.Ordinal);
        Assert.Equal("pod", rule.Str("resources.overrides.pod.resource"));
        Assert.Equal("namespace", rule.Str("resources.overrides.namespace.resource"));
    }

    [Fact]
    public void Prod_PrometheusRule_CarriesTheRuleGroupsUnchanged()
    {
        var rule = Single("prod", "PrometheusRule").Root;
        var file = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(
            File.ReadAllText(Path.Combine(helm.RepoRoot, "deploy", "prometheus", "ledger-rules.yaml")));
        Assert.True(Yaml.DeepEquals(file["groups"], rule.At("spec.groups")), "the PrometheusRule's groups differ from the rules file");
        Assert.Contains("{{ $value", File.ReadAllText(Path.Combine(helm.RepoRoot, "deploy", "prometheus", "ledger-rules.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Default_HasNoOptionalMonitoringObjects()
    {
        Assert.DoesNotContain(helm.Rendered("default"), m => m.Kind is "ServiceMonitor" or "PrometheusRule" or "NetworkPolicy");
    }

    [Fact]
    public void ValuesFiles_DocumentEveryKey()
    {
        foreach (var file in new[] { "values.yaml", "values-dev.yaml", "values-prod.yaml" })
        {
            var lines = File.ReadAllLines(Path.Combine(helm.RepoRoot, "helm", "ledger", file));
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                // A key line ("  name:" or "  name: value"), not a list item nor a comment.
                if (!KeyLine().IsMatch(line) || IsInsideListItem(lines, i))
                {
                    continue;
                }
                Assert.True(i > 0 && lines[i - 1].TrimStart().StartsWith('#'), $"{file}:{i + 1}: key without a comment above it: {line.Trim()}");
            }
        }
    }

    [GeneratedRegex(@"^\s*[A-Za-z_][A-Za-z0-9_]*:(\s|$)")]
    private static partial Regex KeyLine();

    /// <summary>Whether a key line belongs to a list item ("- name: x" then "  key: y"): such keys are not documented one by one.</summary>
    private static bool IsInsideListItem(string[] lines, int index)
    {
        var indent = lines[index].Length - lines[index].TrimStart().Length;
        for (var i = index - 1; i >= 0; i--)
        {
            var l = lines[i];
            if (string.IsNullOrWhiteSpace(l) || l.TrimStart().StartsWith('#'))
            {
                continue;
            }
            var ind = l.Length - l.TrimStart().Length;
            if (ind < indent)
            {
                return ind == indent - 2 && l.TrimStart().StartsWith("- ", StringComparison.Ordinal);
            }
        }
        return false;
    }
}
