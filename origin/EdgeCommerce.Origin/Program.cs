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

app.Run();
