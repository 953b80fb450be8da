using EdgeCommerce.Origin.Extensions;
using EdgeCommerce.ServiceDefaults;

// Settings files live beside the binary, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapApplicationEndpoints();

try
{
    app.Run();
}
catch (EdgeCommerce.Origin.Keys.KeyEncryptionException ex)
{
    // A refusal the operator must act on (the KEK file), said once and plainly; the log has it too.
    await Console.Error.WriteLineAsync("origin: " + ex.Message);
    return 1;
}

return 0;
